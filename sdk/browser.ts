// Entry of the script-tag build (dist/northstar.js, global `northstar`).
// Replays what the snippet's stub recorded before this file loaded, in order;
// or, with no snippet, initialises from the script tag's own attributes:
//   <script async src="https://northstar.example.com/northstar.js" data-write-key="wk_..."></script>
import * as api from './api'

export * from './api'

type Call = [keyof typeof api, ArrayLike<unknown>]
const stub = (window as { northstar?: { q?: Call[] } }).northstar
const script = document.currentScript as HTMLScriptElement | null

if (stub?.q) {
  for (const [verb, args] of stub.q) (api[verb] as (...a: unknown[]) => unknown)?.(...Array.from(args))
} else if (script?.dataset.writeKey) {
  api.init({ writeKey: script.dataset.writeKey, host: script.dataset.host || new URL(script.src).origin })
}
