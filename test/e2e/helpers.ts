// What the end-to-end tests share: pages that load the SDK through the real
// snippet, tracking from a page, and waiting for a condition with a deadline
// instead of sleeping.
import type { BrowserContext, Page } from 'playwright-core'
import { snippet, type Message } from './receiver'

export interface PageOptions {
  /** The collector's origin: data-host of the snippet, and init's host. */
  host: string
  title?: string
  /** init() options besides writeKey and host; the page calls northstar.init itself. Without them the snippet inits from data-write-key. */
  init?: Record<string, unknown>
  /** More HTML after the snippet (e.g. <script src="/app.js">). */
  body?: string
}

export const writeKey = 'wk_e2e'

/** An HTML page that loads the SDK the way a customer's page does: the built snippet, inlined. */
export function snippetPage({ host, title = 'Northstar e2e', init, body = '' }: PageOptions): string {
  const { code } = snippet()
  const attributes = init ? `data-host="${host}"` : `data-write-key="${writeKey}" data-host="${host}"`
  const call = init ? `<script>northstar.init(${JSON.stringify({ writeKey, host, ...init })})</script>` : ''
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><script ${attributes}>${code}</script>${call}</head><body><h1>${title}</h1>${body}</body></html>`
}

/** A page of the site without the SDK. */
export const plainPage = (title: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${title}</body></html>`

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>

/**
 * Polls `condition` until it returns a truthy value, which it resolves with; throws `what` past the deadline.
 * The machine is small and shared: deadlines are generous and nothing is timed.
 */
export async function until<T>(condition: () => T | Promise<T>, what: string, { timeout = 60_000, every = 100 } = {}): Promise<Truthy<T>> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await condition()
    if (value) return value as Truthy<T>
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout / 1000} s waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}

/** Numbers from..to-1. */
export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

/** The `n` property of each message, sorted: compare with range(0, total) to prove each once, none missing. */
export const sortedN = (messages: Message[]) => messages.map((m) => Number(m.properties?.n)).sort((a, b) => a - b)

/**
 * Tracks `event` with properties { n } for n = from..to-1 in `page`, in bursts of `burst` with a
 * `pause` (ms) between them, like a busy user, so that batches go out meanwhile. With `pad`,
 * each event also carries multi-byte padding of varied length, up to about 2.5 x pad bytes.
 */
export function track(page: Page, event: string, from: number, to: number, { burst = 10, pause = 30, pad = 0 } = {}) {
  return page.evaluate(
    async ({ event, from, to, burst, pause, pad }) => {
      const northstar = (window as unknown as { northstar: { track(event: string, properties: object): void } }).northstar
      // 1 + 2 + 3 + 4 bytes in UTF-8: budgets count bytes, not characters.
      const filler = (n: number) => 'aé€😀'.repeat(Math.ceil(((n * 7919) % pad) / 4) + 1)
      for (let n = from; n < to; n++) {
        northstar.track(event, pad ? { n, filler: filler(n) } : { n })
        if ((n - from) % burst == burst - 1) await new Promise((resolve) => setTimeout(resolve, pause))
      }
    },
    { event, from, to, burst, pause, pad },
  )
}

/**
 * The messages waiting in the SDK's IndexedDB queue (idb-keyval store 'northstar'/'queue'), read in `page`.
 * Never creates the database: if the SDK has not made it yet, that is an empty queue.
 */
export function idbQueue(page: Page): Promise<Array<{ messageId: string; event?: string; properties?: Record<string, unknown> }>> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('northstar')
        open.onupgradeneeded = () => open.transaction!.abort() // it did not exist: leave it to the SDK
        open.onerror = () => resolve([])
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains('queue')) return db.close(), resolve([])
          const all = db.transaction('queue').objectStore('queue').getAll()
          all.onsuccess = () => {
            db.close()
            // a record holds messages a line each, their JSON, and the contexts they share, a line without a message id (sdk/log.ts)
            const lines = (all.result as string[]).flatMap((record) => record.split('\n')).filter((line) => line.includes('"messageId":"'))
            resolve(lines.map((line) => JSON.parse(line)))
          }
          all.onerror = () => reject(all.error)
        }
      }),
  )
}

/** Every CSP violation in any page of the context, as the page itself sees it: read `window.violations`. */
export function recordViolations(context: BrowserContext) {
  return context.addInitScript(() => {
    const w = window as unknown as { violations: string[] }
    w.violations = []
    addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
}
