// The durable queue: every message is kept in memory and mirrored to the
// store (IndexedDB) within a tick, sent in batches by one tab at a time, and
// forgotten only once the collector has answered for it. Resending is always
// preferred to losing: the collector drops duplicates by messageId.
import type { Lock } from './lock'
import { createLog, type Item } from './log'
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
  warn(message: string): void
}

export interface FlushResult {
  error?: string
}

/** The collector's limit for one batch (DESIGN.md). */
const MAX_BATCH = 500 * 1024
/** Browsers share this budget among the bodies of all keepalive requests in flight (Fetch standard, 4.5). */
const KEEPALIVE_QUOTA = 65_536
const DROPPED = 'northstar:dropped'
/** Messages not yet in IndexedDB when the page hid: an unload aborts IndexedDB's write, never localStorage's. */
const PENDING = 'northstar:pending'
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

const byId = (a: Item, b: Item) => (a[0] < b[0] ? -1 : 1)

export function createQueue(o: QueueOptions) {
  /** This page's messages not yet confirmed, oldest first; ids are UUIDv7, so they sort by time. */
  const memory = new Map<string, string>()
  /** Ids in memory but not in the store: waiting for the next write, or the write failed (quota, blocked). */
  const unstored = new Set<string>()
  /** Ids in a keepalive request that has not answered yet. */
  const inKeepalive = new Set<string>()
  const log = createLog(o.store)
  let writes: string[] = []
  let writeScheduled = false
  let persisted: Promise<unknown> = Promise.resolve()
  let dropped = +(o.local.get(DROPPED) || 0)
  let keepaliveBytes = 0
  let attempt = 0
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let due = 0
  let running: Promise<FlushResult> | undefined
  let queued: Promise<FlushResult> | undefined

  const backlog = () => memory.size - inKeepalive.size
  const overhead = byteLength(envelope([], 1e9)) + 1
  const pending = () => readJson<Item[]>(o.local, PENDING) ?? []

  // What an earlier page could only save in localStorage goes to IndexedDB now.
  for (const [id, json] of pending()) push(id, json)
  o.local.remove(PENDING)
  if (memory.size) schedule(0)

  // Whatever earlier pages (or tabs) left behind joins this page's queue, in time order.
  log.read().then((items) => {
    const mine = [...memory]
    memory.clear()
    for (const [id, json] of [...items, ...mine]) memory.set(id, json)
    if (items.length) schedule(0)
  }, () => o.warn(NO_STORE))

  function envelope(items: Item[], reported: number): string {
    const context = reported ? `"context":{"droppedMessages":${reported}},` : ''
    return `{"writeKey":${JSON.stringify(o.writeKey)},"sentAt":"${new Date().toISOString()}",${context}"batch":[${items.map((i) => i[1]).join(',')}]}`
  }

  /** Items from `start` whose batch stays within `limit` bytes; at least one unless `skip` (then those too big are left out). */
  function take(items: Item[], start: number, limit: number, skip = false): Item[] {
    const batch: Item[] = []
    for (let i = start, size = overhead; i < items.length; i++) {
      const n = byteLength(items[i]![1]) + 1
      if (size + n > limit && (skip || batch.length)) {
        if (skip) continue
        break
      }
      batch.push(items[i]!)
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
    writeScheduled = false
    const items = writes.flatMap((id): Item[] => (memory.has(id) ? [[id, memory.get(id)!]] : []))
    writes = []
    persisted = Promise.all([
      persisted,
      items.length &&
        log.append(items).then(
          () => items.forEach(([id]) => unstored.delete(id)),
          // quota exceeded or storage blocked: these stay in memory and are sent from there
          () => o.warn(NO_STORE),
        ),
    ])
  }
  function writeSoon() {
    if (!writeScheduled) {
      writeScheduled = true
      queueMicrotask(write)
    }
  }

  function evict(id: string) {
    memory.delete(id)
    unstored.delete(id)
    log.forget([id])
    o.local.set(DROPPED, String(++dropped))
  }

  function push(id: string, json: string) {
    if (memory.size >= o.maxQueue) evict(memory.keys().next().value!)
    memory.set(id, json)
    unstored.add(id)
    writes.push(id)
    writeSoon()
    if (!attempt && !stopped) schedule(backlog() >= o.flushAt ? 0 : o.flushInterval)
  }

  /** Forget what the collector answered for: stored, or rejected for good. */
  function settle(batch: Item[], rejected: Rejection[], reported: number) {
    for (const r of rejected) o.warn(`The collector rejected message ${batch[r.index]?.[0]}: ${r.message}`)
    const ids = batch.map(([id]) => id)
    for (const id of ids) {
      memory.delete(id)
      unstored.delete(id)
    }
    dropped -= reported
    if (dropped) o.local.set(DROPPED, String(dropped))
    else o.local.remove(DROPPED)
    return log.forget(ids)
  }

  async function send(batch: Item[]): Promise<Outcome> {
    const reported = dropped
    const outcome = await post(o.url, envelope(batch, reported))
    if (outcome.ok) await settle(batch, outcome.rejected, reported)
    return outcome
  }

  function fail(outcome: Outcome & { ok: false }): FlushResult {
    const { status } = outcome
    if (status == 401 || status == 403) {
      stopped = true
      o.warn(`Write key refused (HTTP ${status}): sending stops until the page reloads; the queue is kept`)
    } else {
      schedule(Math.max(outcome.retryAfter ?? 0, backoff(attempt++)), true)
    }
    return { error: status ? `HTTP ${status}` : 'network error' }
  }

  /** One pass over everything waiting, under the cross-tab lock. */
  async function round(): Promise<FlushResult> {
    await persisted
    const known = [...memory.keys()].filter((id) => !unstored.has(id))
    let stored: Item[] | undefined
    try {
      stored = await log.read()
    } catch {
      // the store is unreadable: send what this page holds
    }
    if (stored) {
      const present = new Set(stored.map(([id]) => id))
      for (const id of known) if (!present.has(id)) memory.delete(id) // another tab delivered it
      for (const [id] of stored.splice(0, stored.length - o.maxQueue)) evict(id)
    }
    const items = new Map(stored ?? known.map((id): Item => [id, memory.get(id)!]))
    for (const id of unstored) items.set(id, memory.get(id)!)
    for (const id of inKeepalive) items.delete(id)
    const sorted = [...items].sort(byId)

    for (let start = 0, limit = MAX_BATCH; start < sorted.length; ) {
      const batch = take(sorted, start, limit)
      const outcome = await send(batch)
      if (outcome.ok) start += batch.length
      else if (outcome.status != 413) return fail(outcome)
      else if (batch.length > 1) limit = (overhead + batch.reduce((size, [, json]) => size + byteLength(json) + 1, overhead)) / 2
      else {
        await settle(batch, [{ index: 0, message: 'too large' }], 0)
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
        .lock(round)
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
   * within the browser's shared quota. Messages not yet stored go first, since
   * nothing else keeps them; whatever does not fit stays stored for the next page.
   */
  function flushOnHide() {
    if (unstored.size) {
      const saved = new Map(pending())
      for (const id of unstored) saved.set(id, memory.get(id)!)
      let size = 0
      o.local.set(PENDING, JSON.stringify([...saved].sort(byId).filter(([, json]) => (size += json.length) <= PENDING_MAX)))
    }
    if (stopped) return
    const items = [...memory]
      .filter(([id]) => !inKeepalive.has(id))
      .sort((a, b) => +unstored.has(b[0]) - +unstored.has(a[0]) || byId(a, b))
    const batch = take(items, 0, KEEPALIVE_QUOTA - keepaliveBytes, true)
    if (!batch.length) return
    const reported = dropped
    const body = envelope(batch, reported)
    if (!hasKeepalive) return void beacon(o.url, body) // unconfirmed: it stays queued
    const size = byteLength(body)
    keepaliveBytes += size
    batch.forEach(([id]) => inKeepalive.add(id))
    post(o.url, body, true)
      .then((outcome) => {
        if (outcome.ok) return settle(batch, outcome.rejected, reported)
      })
      .finally(() => {
        keepaliveBytes -= size
        batch.forEach(([id]) => inKeepalive.delete(id))
        // the page stayed (a tab switch) and the send failed: the routine path takes over
        if (!timer && backlog() && !stopped) schedule(o.flushInterval)
      })
  }

  /** The client shuts down: no more sends from this page (the store keeps what waits). */
  function stop() {
    clearTimeout(timer)
    stopped = true
  }

  /** Opt-out: forget everything, here and in the store. */
  function clear() {
    clearTimeout(timer)
    timer = undefined
    memory.clear()
    unstored.clear()
    writes = []
    dropped = 0
    o.local.remove(DROPPED)
    persisted = Promise.all([persisted, log.clear().catch(() => {})])
  }

  return { push, flush, flushOnHide, clear, stop }
}

export type Queue = ReturnType<typeof createQueue>
