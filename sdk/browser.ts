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
  for (const [verb, args] of stub.q) {
    try {
      ;(api[verb] as (...a: unknown[]) => unknown)?.(...Array.from(args))
    } catch (error) {
      // A misuse recorded by the stub must not cost the page its other calls, nor the real SDK: report it, go on.
      console.error(error)
    }
  }
} else if (script?.dataset.writeKey) {
  api.init({ writeKey: script.dataset.writeKey, host: script.dataset.host || new URL(script.src).origin })
}
