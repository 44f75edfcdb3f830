// The durable queue: every message is kept in memory and mirrored to the
// store (IndexedDB) within a tick, sent in batches by one tab at a time, and
// forgotten only once the collector has answered for it. Resending is always
// preferred to losing: the collector drops duplicates by messageId.
//
// A page sends its own messages from memory and reads back from the store
// only the records it does not know: those of earlier pages and other tabs.
// A batch holds messages of one context, which it carries once (the collector
// applies a batch's context to each of its messages).
import { uuidv7 } from './id'
import type { Lock } from './lock'
import { decode, encode, RECORD, type Entry } from './log'
import { readJson, type Local, type Store } from './storage'
import { backoff, beacon, hasKeepalive, post, type Outcome } from './transport'
import type { Rejection } from './wire'

export interface QueueOptions {
  url: string
  writeKey: string
  /** Send as soon as this many messages wait. */
  flushAt: number
  /** Otherwise send this long after the first message waits (ms). */
  flushInterval: number
  /** Beyond this many messages the oldest are dropped, and counted in the next batch. */
  maxQueue: number
  store: Store
  local: Local
  lock: Lock
  /** Prints in debug mode only, unless `always`. */
  warn(message: string, always?: boolean): void
}

export interface FlushResult {
  error?: string
}

/** The collector's limit for one batch (DESIGN.md). */
const MAX_BATCH = 500 * 1024
/** Browsers share this budget among the bodies of all keepalive requests in flight (Fetch standard, 4.5). */
const KEEPALIVE_QUOTA = 65_536
/** Where 0.x kept messages not yet in IndexedDB when the page hid: read once more, then gone. */
const OLD_PENDING = 'northstar:pending'
/** localStorage shares about 5 MB with the host page: keep only this much. */
const PENDING_MAX = 256 * 1024
const NO_STORE = 'IndexedDB unavailable or full: messages kept in memory'

export function byteLength(s: string): number {
  if (!/[^\0-\x7f]/.test(s)) return s.length // ASCII, as most JSON is: a native scan, not the loop below
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // 2 bytes below U+0800, 3 above, 4 for a surrogate pair (JSON.stringify leaves no lone surrogates)
    if (c > 0x7f) n += c < 0x800 ? 1 : c >= 0xd800 && c < 0xdc00 ? (i++, 2) : 2
  }
  return n
}

const byId = (a: Entry, b: Entry) => (a.id < b.id ? -1 : 1)
const ignore = () => {}

export function createQueue(o: QueueOptions) {
  // Another project on this origin (or another app on localhost:3000 in development) has its own records and
  // counts: this one's are never sent under its key. Records of 0.x name no project: whoever reads them first sends them.
  const ns = o.writeKey
  const DROPPED = `northstar:dropped:${ns}`
  /** Messages not yet in IndexedDB when the page hid: an unload aborts IndexedDB's write, never localStorage's. */
  const PENDING = `northstar:pending:${ns}`
  const mine = (key: string) => key.startsWith(`${ns}:`) || !key.includes(':')
  /**
   * Messages not yet confirmed, oldest first (ids are UUIDv7, so they sort by time), and some
   * done ones, swept out each round. An array, not a Map by id: a Map hashes every new id,
   * which costs the page about 0.4 µs a message in Chromium, a fifth of all that track() does.
   */
  let memory: Entry[] = []
  /** How many of `memory` are not done. */
  let waiting = 0
  /** Messages waiting for the next write, which is scheduled when the first arrives. */
  let writes: Entry[] = []
  let persisted: Promise<unknown> = Promise.resolve()
  let dropped = +(o.local.get(DROPPED) || 0)
  let keepaliveBytes = 0
  /** Messages in keepalive requests that have not answered yet. */
  let inKeepalive = 0
  let attempt = 0
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let due = 0
  let running: Promise<FlushResult> | undefined
  let queued: Promise<FlushResult> | undefined
  /** Whether this page holds the send lock (a round runs): then no other tab sends what it joined from the store. */
  let holding = false
  /** Counts clear()s: a round begun before one sends no more (the person opted out meanwhile). */
  let epoch = 0

  const backlog = () => waiting - inKeepalive
  const overhead = byteLength(envelope([], 1e9)) + 1
  const pending = (key = PENDING) => readJson<[string, string, string?][]>(o.local, key) ?? []

  // What an earlier page could only save in localStorage goes to IndexedDB now.
  for (const key of [OLD_PENDING, PENDING]) {
    for (const [id, json, context = ''] of pending(key)) push(id, json, context)
    o.local.remove(key)
  }
  if (waiting) schedule(0)
  // Whatever earlier pages (or tabs) left behind is read and sent by the first round.
  o.store.keys().then((keys) => keys.some(mine) && schedule(0), () => o.warn(NO_STORE))

  /** The body of a batch: its messages share the first one's context (take() sees to it). */
  function envelope(batch: Entry[], reported: number): string {
    const shared = batch[0]?.context || '{}'
    const context = reported ? `{"droppedMessages":${reported}${shared.length > 2 ? `,${shared.slice(1)}` : '}'}` : batch[0]?.context
    return `{"writeKey":${JSON.stringify(o.writeKey)},"sentAt":"${new Date().toISOString()}",${context ? `"context":${context},` : ''}"batch":[${batch.map((e) => e.json).join(',')}]}`
  }

  /**
   * Messages from `start`, of one context, whose batch stays within `limit` bytes; at least one
   * unless `skip` (then those too big, or of another context, are left for another batch).
   */
  function take(items: Entry[], start: number, limit: number, skip = false): Entry[] {
    const batch: Entry[] = []
    for (let i = start, size = overhead; i < items.length; i++) {
      const e = items[i]!
      const n = (e.size ??= byteLength(e.json)) + 1 + (batch[0] ? 0 : byteLength(e.context))
      if ((size + n > limit || (batch[0] && e.context != batch[0].context)) && (skip || batch[0])) {
        if (skip) continue
        break
      }
      batch.push(e)
      size += n
    }
    return batch
  }

  /** A send within `delay`: a timer set to fire sooner stays, unless this one `replace`s it (a backoff). */
  function schedule(delay: number, replace = false) {
    const at = Date.now() + delay
    if (timer && !replace && due <= at) return // not a setTimeout per track(): it costs as much as the rest
    clearTimeout(timer)
    due = at
    timer = setTimeout(() => {
      timer = undefined
      flush()
    }, delay)
  }

  function write() {
    const entries = writes.filter((e) => !e.done)
    writes = []
    if (!entries.length) return
    // Keyed by a new id, not its first message's: a message another tab left in localStorage is
    // written again by the page that takes it, and must not overwrite that tab's record.
    const chunks: [string, Entry[]][] = []
    for (let i = 0; i < entries.length; i += RECORD) chunks.push([`${ns}:${uuidv7()}`, entries.slice(i, i + RECORD)])
    persisted = Promise.all([
      persisted,
      o.store.setMany(chunks.map(([key, chunk]) => [key, encode(chunk)])).then(
        () => {
          const gone: string[] = []
          for (const [key, chunk] of chunks) {
            const record = { key, left: 0 }
            for (const e of chunk) if (!e.done) (e.record = record).left++
            if (!record.left) gone.push(record.key) // all sent (keepalive) or dropped while the write was under way
          }
          if (gone.length) return o.store.delMany(gone).catch(ignore)
        },
        // quota exceeded or storage blocked: these stay in memory and are sent from there
        () => o.warn(NO_STORE),
      ),
    ])
  }

  /** Marks messages done; deletes the records left with none waiting. */
  function finish(entries: Iterable<Entry>): Promise<unknown> {
    const gone: string[] = []
    for (const e of entries) {
      if (e.done) continue
      e.done = true
      waiting--
      if (e.keepalive) {
        e.keepalive = false
        inKeepalive--
      }
      if (e.record && !--e.record.left) gone.push(e.record.key)
    }
    return gone.length ? o.store.delMany(gone).catch(ignore) : Promise.resolve()
  }

  function drop(e: Entry) {
    finish([e])
    o.local.set(DROPPED, String(++dropped))
  }

  /** `size`: the UTF-8 bytes of `json`, where the caller knows them. */
  function push(id: string, json: string, context: string, size?: number) {
    if (waiting >= o.maxQueue) {
      let oldest
      while ((oldest = memory.shift()!).done);
      drop(oldest)
    }
    const e: Entry = { id, json, context, size }
    memory.push(e)
    waiting++
    if (writes.push(e) == 1) queueMicrotask(write) // the first since the last write: one write per tick
    if (!attempt && !stopped) schedule(backlog() >= o.flushAt ? 0 : o.flushInterval)
  }

  /** Forget what the collector answered for: stored, or rejected for good. */
  function settle(batch: Entry[], rejected: Rejection[], reported: number) {
    for (const r of rejected) o.warn(`The collector rejected message ${batch[r.index]?.id}: ${r.message}`)
    dropped = Math.max(0, dropped - reported) // a keepalive request and a routine one may both have reported it
    if (dropped) o.local.set(DROPPED, String(dropped))
    else o.local.remove(DROPPED)
    return finish(batch)
  }

  async function send(batch: Entry[]): Promise<Outcome> {
    const reported = dropped
    const outcome = await post(o.url, envelope(batch, reported))
    if (outcome.ok) await settle(batch, outcome.rejected, reported)
    return outcome
  }

  function fail(outcome: Outcome & { ok: false }): FlushResult {
    const { status } = outcome
    if (status == 401 || status == 403) {
      stopped = true
      // debug or not: nothing will be sent, and the site's owner must hear of it
      o.warn(`Write key refused (HTTP ${status}): sending stops until the page reloads; the queue is kept`, true)
    } else {
      schedule(Math.max(outcome.retryAfter ?? 0, backoff(attempt++)), true)
    }
    return { error: status ? `HTTP ${status}` : 'network error' }
  }

  /** Joins the records this page does not know (earlier pages', other tabs') to memory; forgets those another tab delivered. */
  async function sync() {
    const keys = (await o.store.keys()).filter(mine)
    const present = new Set(keys)
    const known = new Set<string>()
    const delivered: Entry[] = [] // by another tab, which read their record, sent it and deleted it
    for (const e of memory) {
      if (e.done || !e.record) continue
      if (present.has(e.record.key)) known.add(e.record.key)
      else delivered.push(e)
    }
    await finish(delivered)
    const unknown = keys.filter((key) => !known.has(key))
    if (!unknown.length) return
    const values = await o.store.getMany(unknown)
    const live = memory.filter((e) => !e.done)
    const held = new Map(live.map((e) => [e.id, e]))
    const joined: Entry[] = []
    /** Records of messages all held here and stored in this page's own records (taken over from localStorage): copies. */
    const copies: string[] = []
    unknown.forEach((key, i) => {
      const record = { key, left: 0 }
      let unstored = 0
      for (const e of decode(values[i])) {
        const own = held.get(e.id)
        if (!own) {
          ;(e.record = record).left++
          e.joined = true
          joined.push(e)
        } else if (!own.record) unstored++
      }
      if (!record.left && !unstored) copies.push(key)
    })
    if (copies[0]) await o.store.delMany(copies).catch(ignore)
    waiting += joined.length
    memory = [...live, ...joined].sort(byId)
  }

  /** One pass over everything waiting, under the cross-tab lock. */
  async function round(): Promise<FlushResult> {
    const at = epoch
    await persisted
    // the store unreadable: send what this page holds
    await sync().catch(ignore)
    memory = memory.filter((e) => !e.done)
    for (const e of memory) {
      if (waiting <= o.maxQueue) break
      drop(e)
    }
    const items = memory.filter((e) => !e.done && !e.keepalive)

    for (let start = 0, limit = MAX_BATCH; start < items.length && at == epoch; ) {
      const batch = take(items, start, limit)
      const outcome = await send(batch)
      if (outcome.ok) start += batch.length
      // Halved: too large (413), timed out on a slow link (408), or refused whole (a 400 that names no message),
      // down to the one message the collector refuses for good, which goes; one that times out is retried.
      else if (![400, 408, 413].includes(outcome.status) || (outcome.status == 408 && !batch[1])) return fail(outcome)
      else if (batch[1]) limit = overhead + byteLength(batch[0]!.context) + batch.reduce((size, e) => size + byteLength(e.json) + 1, 0) / 2
      else {
        await settle(batch, [{ index: 0, message: `refused (HTTP ${outcome.status})` }], 0)
        start++
      }
    }
    attempt = 0
    return {}
  }

  /** Sends everything waiting; resolves when done, with `error` if the collector could not be reached. */
  function flush(): Promise<FlushResult> {
    clearTimeout(timer)
    timer = undefined
    if (stopped) return Promise.resolve({ error: 'stopped: write key refused, or shut down' })
    if (queued) return queued
    const start = (): Promise<FlushResult> => {
      queued = undefined
      return (running = o
        .lock(() => ((holding = true), round().finally(() => (holding = false))))
        .then((result) => result ?? (schedule(1000), { error: 'another tab is sending' }))
        .catch((error: unknown) => ({ error: String(error) }))
        .finally(() => {
          running = undefined
          if (!timer && backlog() && !stopped) schedule(backlog() >= o.flushAt ? 0 : o.flushInterval)
        }))
    }
    return running ? (queued = running.then(start)) : start()
  }

  /**
   * The page is hiding and may never come back: send synchronously with keepalive,
   * within the browser's shared quota, a request per context. Messages not yet stored
   * go first, since nothing else keeps them; whatever does not fit stays stored for the next page.
   */
  function flushOnHide() {
    const unstored = memory.filter((e) => !e.done && !e.record)
    if (unstored.length) {
      const saved = new Map(pending().map((item) => [item[0], item]))
      for (const e of unstored) saved.set(e.id, [e.id, e.json, e.context])
      let size = 0
      o.local.set(PENDING, JSON.stringify([...saved.values()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).filter(([, json, context = '']) => (size += json.length + context.length) <= PENDING_MAX)))
    }
    if (stopped) return
    // What this page joined from the store is the lock holder's to send. Memory is in id order, and sort is stable.
    let items = memory.filter((e) => !e.done && !e.keepalive && (holding || !e.joined)).sort((a, b) => +!b.record - +!a.record)
    let budget = KEEPALIVE_QUOTA - keepaliveBytes
    let report = dropped // in the first request only
    for (let batch; (batch = take(items, 0, budget, true)).length; report = 0) {
      const reported = report
      const body = envelope(batch, reported)
      const size = byteLength(body)
      const taken = new Set(batch)
      items = items.filter((e) => !taken.has(e))
      budget -= size
      keepaliveBytes += size
      inKeepalive += batch.length
      for (const e of batch) e.keepalive = true
      // A beacon is never confirmed: it stays queued, and in flight until the unload's other events
      // (visibilitychange, then pagehide) have passed, so that they do not send it twice.
      ;(hasKeepalive ? post(o.url, body, true) : (beacon(o.url, body), new Promise<undefined>((resolve) => setTimeout(resolve))))
        .then((outcome) => {
          if (outcome?.ok) return settle(batch, outcome.rejected, reported)
        })
        .finally(() => {
          keepaliveBytes -= size
          for (const e of batch)
            if (e.keepalive) {
              e.keepalive = false
              inKeepalive--
            }
          // the page stayed (a tab switch) and the send failed: the routine path takes over
          if (!timer && backlog() && !stopped) schedule(o.flushInterval)
        })
    }
  }

  /** The client shuts down: no more sends from this page (the store keeps what waits). */
  function stop() {
    clearTimeout(timer)
    stopped = true
  }

  /** Opt-out, or tracking blocked: forget everything of this project, here and in the store. */
  function clear() {
    clearTimeout(timer)
    timer = undefined
    epoch++
    for (const e of memory) e.done = true
    memory = []
    waiting = 0
    writes = []
    dropped = 0
    o.local.remove(DROPPED)
    o.local.remove(PENDING)
    persisted = Promise.all([persisted, o.store.keys().then((keys) => o.store.delMany(keys.filter(mine))).catch(ignore)])
  }

  return { push, flush, flushOnHide, clear, stop }
}

export type Queue = ReturnType<typeof createQueue>
