import { HttpResponse } from 'msw'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import { RECORD } from '../../sdk/log'
import { byteLength } from '../../sdk/queue'
import { memoryStore, type Store } from '../../sdk/storage'
import { client } from './client'
import { fakeCollector, networkError, status } from './collector'

const collector = fakeCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  collector.reset()
  vi.useRealTimers()
  vi.restoreAllMocks()
})
afterAll(() => collector.server.close())

// IndexedDB (fake-indexeddb) schedules with setImmediate: leave it real.
const fakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
/** navigator with some properties replaced; the rest are the environment's. */
const stubNavigator = (props: object) =>
  vi.stubGlobal('navigator', Object.create(navigator, Object.fromEntries(Object.entries(props).map(([k, value]) => [k, { value }]))))
const events = () => collector.tracked().map((m) => m.event)
/** An earlier page tracked `event` and could not send it: it is left in `map`'s store for the next page. */
async function leftByAnEarlierPage(map: Map<string, string>, event: string, options: Parameters<typeof client>[0] = {}) {
  collector.answer(networkError())
  const earlier = client({ store: memoryStore(map), ...options })
  earlier.track(event)
  await earlier.flush()
  earlier.shutdown()
}
/** What a page could only keep in localStorage when it hid (sdk/queue.ts: PENDING, per project), or null. */
const pendingSpill = () => Object.keys(localStorage).filter((key) => key.startsWith('northstar:pending')).map((key) => localStorage.getItem(key)).join('\n') || null

describe('batching', () => {
  test('sends a batch as soon as flushAt messages wait', async () => {
    fakeTimers()
    const c = client({ flushAt: 3 })
    c.track('a')
    c.track('b')
    await vi.advanceTimersByTimeAsync(100)
    expect(collector.batches).toHaveLength(0)
    c.track('c')
    await vi.waitFor(() => expect(collector.batches).toHaveLength(1))
    expect(events()).toEqual(['a', 'b', 'c'])
  })

  test('sends what waits flushInterval after the first message', async () => {
    fakeTimers()
    const c = client({ flushInterval: 5000 })
    c.track('a')
    await vi.advanceTimersByTimeAsync(4900)
    expect(collector.batches).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(200)
    await vi.waitFor(() => expect(events()).toEqual(['a']))
  })

  test('sends the write key in a text/plain body, with sentAt and a UUIDv7 messageId', async () => {
    const c = client()
    c.track('Signed Up', { plan: 'pro' })
    await c.flush()
    const [batch] = collector.batches
    expect(batch!.writeKey).toBe('wk_test')
    expect(Date.parse(batch!.sentAt!)).toBeGreaterThan(0)
    expect(batch!.batch[0]).toMatchObject({ type: 'track', event: 'Signed Up', properties: { plan: 'pro' } })
    expect(batch!.batch[0]!.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  /** The collector got `n` messages in order, in at least `batches` batches of at most its 500 KB each, counted in UTF-8 bytes. */
  function expectBatchesWithinLimit(n: number, batches: number) {
    expect(collector.batches.length).toBeGreaterThanOrEqual(batches)
    for (const b of collector.batches) expect(byteLength(JSON.stringify(b))).toBeLessThanOrEqual(500 * 1024)
    expect(collector.tracked().map((m) => m.properties!.i)).toEqual([...Array(n).keys()])
  }

  test('keeps every batch within the collector’s 500 KB', async () => {
    const c = client({ flushAt: 1000 })
    for (let i = 0; i < 60; i++) c.track('Big', { i, blob: 'x'.repeat(20_000) })
    await c.flush()
    expectBatchesWithinLimit(60, 3)
  })

  test('keeps batches within 500 KB in UTF-8 bytes when the properties are not ASCII', async () => {
    const c = client({ flushAt: 1000 })
    for (let i = 0; i < 60; i++) c.track('Big', { i, blob: 'é'.repeat(10_000) }) // 20 KB in UTF-8, 10 K characters
    await c.flush()
    expectBatchesWithinLimit(60, 3)
  })

  test('keeps batches within 500 KB in UTF-8 bytes when the user id is not ASCII', async () => {
    const c = client({ flushAt: 1000 })
    c.identify('é'.repeat(200)) // 400 bytes in every message, 200 characters
    for (let i = 0; i < 360; i++) c.track('Big', { i, blob: 'x'.repeat(1000) }) // 486 K characters in all, 558 KB
    await c.flush()
    expectBatchesWithinLimit(360, 2)
  })

  test('drops a message over 32 KB when it is tracked, with a warning in debug mode', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const c = client({ debug: true })
    c.track('Huge', { blob: 'é'.repeat(17_000) }) // 34 KB in UTF-8, 17 K characters
    c.track('Small')
    await c.flush()
    expect(events()).toEqual(['Small'])
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('larger than 32 KB'))
  })
})

describe('retries', () => {
  test('keeps the batch through 500, 503 and network errors, and stamps sentAt at each attempt', async () => {
    fakeTimers()
    collector.answer(status(500), status(503), networkError())
    const c = client()
    c.track('a')
    c.track('b')
    c.flush()
    await vi.advanceTimersByTimeAsync(60_000 * 4)
    expect(collector.batches).toHaveLength(4)
    const ids = collector.batches.map((b) => b.batch.map((m) => m.messageId).join())
    expect(new Set(ids).size).toBe(1)
    expect(new Set(collector.batches.map((b) => b.sentAt)).size).toBe(4)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(collector.batches).toHaveLength(4) // delivered once 200 came: nothing more to send
  })

  /** Seconds between consecutive arrivals, by the fake clock. */
  const gaps = () => collector.times.slice(1).map((t, i) => Math.round((t - collector.times[i]!) / 1000))

  test('waits as long as Retry-After says on 429 and 503', async () => {
    fakeTimers()
    collector.answer(status(429, { 'Retry-After': '30' }), status(503, { 'Retry-After': '20' }))
    const c = client()
    c.track('a')
    c.flush()
    while (collector.batches.length < 3) await vi.advanceTimersByTimeAsync(100)
    expect(gaps()).toEqual([30, 20])
  })

  // Full jitter: a wait anywhere from none (random 0; half jitter would wait half) to the whole backoff (random ~1)
  test.each([
    [0.999, [1, 2, 4, 8, 16, 32, 60, 60, 60]],
    [0, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('backs off exponentially with full jitter, capped at a minute (random %d)', async (random, expected) => {
    fakeTimers()
    vi.spyOn(Math, 'random').mockReturnValue(random)
    for (let i = 0; i < 9; i++) collector.answer(networkError())
    const c = client()
    c.track('a')
    c.flush()
    while (collector.batches.length < 10) await vi.advanceTimersByTimeAsync(10)
    expect(gaps()).toEqual(expected)
  })

  test('drops only the messages the collector rejected by index, and warns once in debug mode', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    collector.answer(() =>
      HttpResponse.json({ error: { code: 'invalid', message: '1 of 3 rejected', rejected: [{ index: 1, message: 'properties.score: too big' }] } }, { status: 400 }),
    )
    const c = client({ debug: true })
    c.track('a')
    c.track('b')
    c.track('c')
    expect(await c.flush()).toEqual({})
    expect(await c.flush()).toEqual({})
    expect(collector.batches).toHaveLength(1) // nothing re-sent: a and c were stored, b refused for good
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]![0]).toContain('properties.score: too big')
  })

  test.each([401, 403])('stops sending on %i and warns, debug or not, keeping the queue for the next page', async (code) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    collector.answer(status(code))
    const a = client()
    a.track('a')
    expect(await a.flush()).toEqual({ error: `HTTP ${code}` })
    a.track('b')
    expect(await a.flush()).toMatchObject({ error: expect.stringContaining('write key refused') })
    expect(collector.batches).toHaveLength(1)
    expect(warn).toHaveBeenCalledExactlyOnceWith(`[northstar] Write key refused (HTTP ${code}): sending stops until the page reloads; the queue is kept`)
    a.shutdown()
    client() // the key was fixed and the page reloaded
    await vi.waitFor(() => expect(events()).toEqual(['a', 'a', 'b']))
  })

  test('halves a batch the collector refuses whole (a 400 naming no message), down to the one message it refuses, which goes', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const refuse = (body: { batch: { event?: string }[] }) =>
      body.batch.some((m) => m.event == 'bad') ? status(400)() : HttpResponse.json({})
    for (let i = 0; i < 8; i++) collector.answer(refuse)
    const c = client({ flushAt: 100 })
    for (const e of ['a', 'b', 'bad', 'c']) c.track(e)
    expect(await c.flush()).toEqual({})
    expect(collector.batches.map((b) => b.batch.map((m) => m.event))).toEqual([['a', 'b', 'bad', 'c'], ['a', 'b'], ['bad'], ['c']])
    expect(await c.flush()).toEqual({}) // nothing left: the refused one is gone, not retried for ever
    expect(collector.batches).toHaveLength(4)
  })

  test('halves a batch whose send timed out (a slow link), and retries a single message that times out', async () => {
    const post = vi.spyOn(globalThis, 'fetch')
    const timeout = () => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError'))
    post.mockImplementationOnce(timeout).mockImplementationOnce(timeout)
    const c = client({ flushAt: 100 })
    for (let i = 0; i < 4; i++) c.track(`e${i}`)
    expect(await c.flush()).toEqual({}) // 4 timed out, 2 timed out, then 2 and 2 and the other 2... sent
    expect(events()).toEqual(['e0', 'e1', 'e2', 'e3'])
    collector.reset()
    post.mockImplementationOnce(timeout)
    c.track('alone')
    expect(await c.flush()).toEqual({ error: 'HTTP 408' })
    await vi.waitFor(() => expect(events()).toEqual(['alone']), { timeout: 3000 })
  })

  test('halves a batch the collector finds too large (413)', async () => {
    collector.answer(status(413), status(413))
    const c = client({ flushAt: 100 })
    for (let i = 0; i < 8; i++) c.track(`e${i}`)
    await c.flush()
    expect(collector.batches.map((b) => b.batch.length)).toEqual([8, 4, 2, 2, 2, 2])
    expect(events().slice(12)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'])
  })
})

describe('durability', () => {
  test('a new page sends what an earlier one left in IndexedDB, under the same messageIds', async () => {
    collector.answer(networkError())
    const first = client()
    first.track('a')
    first.track('b')
    await first.flush()
    const ids = collector.tracked().map((m) => m.messageId)
    first.shutdown() // the page is gone
    collector.reset()
    client() // reload
    await vi.waitFor(() => expect(collector.tracked().map((m) => m.messageId)).toEqual(ids))
  })

  test.each([
    ['blocked (reading it throws)', () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }],
    ['full or broken (every call throws)', () => ({
      getItem: () => { throw new DOMException('broken', 'UnknownError') },
      setItem: () => { throw new DOMException('full', 'QuotaExceededError') },
      removeItem: () => { throw new DOMException('broken', 'UnknownError') },
    })],
  ])('keeps working, one person and one session, when localStorage is %s', async (_, get) => {
    const real = Object.getOwnPropertyDescriptor(globalThis, 'localStorage')!
    Object.defineProperty(globalThis, 'localStorage', { get, configurable: true })
    try {
      const c = client()
      c.track('a')
      c.identify('ann')
      c.track('b')
      expect(await c.flush()).toEqual({})
    } finally {
      Object.defineProperty(globalThis, 'localStorage', real)
    }
    const messages = collector.messages()
    expect(messages.map((m) => m.event ?? m.type)).toEqual(['a', 'identify', 'b'])
    expect(new Set(messages.map((m) => m.anonymousId)).size).toBe(1)
    expect(new Set(messages.map((m) => m.context?.sessionId)).size).toBe(1)
    expect(messages.at(-1)!.userId).toBe('ann')
  })

  test('sends where Web Locks exist but refuse the page (a sandboxed iframe), under the lease instead', async () => {
    let requests = 0
    const locks = { request: () => (requests++, Promise.reject(new DOMException('Access to the Locks API is denied in this context.', 'SecurityError'))) }
    stubNavigator({ locks })
    const c = client({ flushAt: 2 })
    c.track('a')
    c.track('b')
    await vi.waitFor(() => expect(events()).toEqual(['a', 'b']))
    vi.unstubAllGlobals()
    expect(requests).toBeLessThan(5)
  })

  test('keeps working in memory when IndexedDB is missing', async () => {
    vi.stubGlobal('indexedDB', undefined)
    const c = client()
    c.track('a')
    expect(await c.flush()).toEqual({})
    expect(events()).toEqual(['a'])
    vi.unstubAllGlobals()
  })

  test('keeps working in memory when IndexedDB refuses writes (quota exceeded)', async () => {
    const full: Store = { ...memoryStore(), setMany: () => Promise.reject(new DOMException('full', 'QuotaExceededError')) }
    collector.answer(networkError())
    const c = client({ store: full })
    c.track('a')
    await c.flush()
    c.track('b')
    await c.flush()
    expect(events()).toEqual(['a', 'a', 'b'])
  })

  test('caps the queue: drops the oldest and reports how many in the next batch', async () => {
    collector.answer(networkError(), networkError())
    const c = client({ maxQueue: 5, flushAt: 100 })
    for (let i = 0; i < 8; i++) c.track(`e${i}`)
    await c.flush()
    collector.reset()
    c.track('e8')
    await c.flush()
    expect(events()).toEqual(['e4', 'e5', 'e6', 'e7', 'e8'])
    expect(collector.batches[0]!.context).toMatchObject({ droppedMessages: 4 })
    c.track('e9')
    await c.flush()
    expect(collector.batches[1]!.context!.droppedMessages).toBeUndefined() // reported once
  })

  test('caps what waits, not what was delivered: the oldest waiting message goes when the queue is full again', async () => {
    const c = client({ maxQueue: 2, flushAt: 100 })
    c.track('a')
    c.track('b')
    await c.flush() // delivered, still in memory until the next round sweeps them
    collector.reset()
    for (const e of ['c', 'd', 'e']) c.track(e)
    await c.flush()
    expect(events()).toEqual(['d', 'e'])
    expect(collector.batches[0]!.context).toMatchObject({ droppedMessages: 1 })
  })

  test('remembers the dropped count across a reload until it is reported', async () => {
    collector.answer(networkError())
    const a = client({ maxQueue: 2 })
    for (let i = 0; i < 5; i++) a.track(`e${i}`)
    await a.flush()
    a.shutdown()
    collector.reset()
    client({ maxQueue: 2 })
    await vi.waitFor(() => expect(collector.batches[0]?.context).toMatchObject({ droppedMessages: 3 }))
  })
})

describe('records', () => {
  test('writes what a tick tracked in one request, before the tick after it', async () => {
    const store = memoryStore()
    const write = vi.spyOn(store, 'setMany')
    const c = client({ store, flushAt: 100 })
    c.track('a')
    c.track('b')
    c.track('c')
    expect(write).not.toHaveBeenCalled()
    await Promise.resolve()
    expect(write).toHaveBeenCalledTimes(1)
    expect(write.mock.calls[0]![0]).toHaveLength(1) // one record
    expect(write.mock.calls[0]![0][0]![1].split('\n').filter((line) => line.includes('messageId'))).toHaveLength(3)
    await c.flush()
  })

  test(`stores up to ${RECORD} messages a record, keyed by a UUIDv7 of its own, and deletes a record once all its messages are delivered, across batches`, async () => {
    const map = new Map<string, string>()
    collector.answer(() => HttpResponse.json({}), networkError())
    const c = client({ store: memoryStore(map), flushAt: 10_000 })
    const total = RECORD * 1.5
    for (let i = 0; i < total; i++) c.track('Big', { i, blob: 'x'.repeat(300) }) // two records, two batches
    await c.flush()
    const [first] = collector.batches.map((b) => b.batch)
    expect(first!.length).toBeGreaterThan(RECORD) // all of the first record, part of the second
    const [key, ...more] = [...map.keys()] // the second record
    expect(more).toEqual([])
    expect(key).toMatch(/^wk_test:[\da-f]{8}-[\da-f]{4}-7/) // the project's write key, then a UUIDv7
    expect(key! > collector.tracked().at(-1)!.messageId).toBe(true) // made after its messages: records sort by time
    expect(map.get(key!)).toContain(collector.tracked()[RECORD]!.messageId)
    await c.flush()
    expect(map.size).toBe(0)
    expect(collector.batches.at(-1)!.batch.map((m) => m.properties!.i)).toEqual([...Array(total).keys()].slice(first!.length))
  })

  /** Tab a tracks a1 on a click that opens a new tab, and hides before IndexedDB has stored it: a1 is kept in localStorage too. */
  function hiddenBeforeItsWrite(map: Map<string, string>) {
    let land!: () => void
    const landed = new Promise<void>((resolve) => (land = resolve))
    const late: Store = { ...memoryStore(map), setMany: async (items) => (await landed, memoryStore(map).setMany(items)) }
    const a = client({ store: late, flushAt: 100 })
    a.track('a1')
    stubNavigator({ sendBeacon: () => false })
    dispatchEvent(new Event('pagehide'))
    vi.unstubAllGlobals()
    return { a, land }
  }

  test('a page that takes over what another tab left in localStorage does not overwrite that tab’s record', async () => {
    const map = new Map<string, string>()
    const { a, land } = hiddenBeforeItsWrite(map)
    land() // then its write lands after all
    await vi.waitFor(() => expect(map.size).toBe(1))
    const b = client({ store: memoryStore(map), flushAt: 100 }) // the new tab takes a1 from localStorage
    b.track('b1')
    await a.flush() // delivers a1 and deletes its record
    await b.flush()
    await b.flush()
    expect(new Set(events())).toEqual(new Set(['a1', 'b1']))
    expect(map.size).toBe(0)
  })

  test('a record whose messages this page took over from localStorage and stored itself is deleted as a copy, not sent again', async () => {
    const map = new Map<string, string>()
    const { a, land } = hiddenBeforeItsWrite(map)
    a.shutdown() // that tab is gone: its record stays
    land()
    await vi.waitFor(() => expect(map.size).toBe(1))
    const b = client({ store: memoryStore(map), flushAt: 100 }) // takes a1 from localStorage, in a record of its own
    b.track('b1')
    await b.flush()
    await b.flush()
    expect(events()).toEqual(['a1', 'b1'])
    expect(map.size).toBe(0)
  })

  test('leaves out of its record a message dropped while the record was being written', async () => {
    const map = new Map<string, string>()
    const memory = memoryStore(map)
    let land = () => {}
    let writes = 0
    const slow: Store = { ...memory, setMany: (items) => (writes++ ? memory.setMany(items) : new Promise((resolve) => (land = () => resolve(memory.setMany(items))))) }
    const c = client({ store: slow, maxQueue: 2, flushAt: 100 })
    c.track('a')
    c.track('b')
    await Promise.resolve() // the write of a and b is under way
    c.track('c') // the queue is full: a goes
    land()
    await c.flush()
    expect(events()).toEqual(['b', 'c'])
    expect(map.size).toBe(0) // a's record held b alone, and b was delivered
  })

  test('reads back from the store only what another page left, never its own messages', async () => {
    const map = new Map<string, string>()
    const store = memoryStore(map)
    const read = vi.spyOn(store, 'getMany')
    collector.answer(networkError())
    const earlier = client({ store })
    earlier.track('a')
    await earlier.flush() // fails: a stays stored
    earlier.track('b')
    await earlier.flush()
    collector.answer(networkError())
    earlier.track('c')
    await earlier.flush() // fails: c is left for the next page
    earlier.shutdown()
    expect(read).not.toHaveBeenCalled()

    const next = memoryStore(map)
    const readNext = vi.spyOn(next, 'getMany')
    client({ store: next }).track('d')
    await vi.waitFor(() => expect(events()).toEqual(['a', 'a', 'b', 'c', 'c', 'd']))
    expect(readNext).toHaveBeenCalledTimes(1)
  })

  test('sends what an earlier version stored, its messages carrying their own context', async () => {
    const map = new Map([['0192b000-0000-7000-8000-000000000000', 'm-old\t{"type":"track","messageId":"m-old","anonymousId":"x","event":"old","context":{"sessionId":"s0"}}']])
    client({ store: memoryStore(map) })
    await vi.waitFor(() => expect(collector.tracked().map((m) => [m.event, m.context?.sessionId])).toEqual([['old', 's0']]))
    expect(collector.batches[0]!.context).toBeUndefined()
  })
})

describe('projects on one origin', () => {
  test('a project sends only its own stored messages, never another project’s under its key', async () => {
    const map = new Map<string, string>()
    await leftByAnEarlierPage(map, 'of one', { writeKey: 'wk_one' })
    await leftByAnEarlierPage(map, 'of two', { writeKey: 'wk_two' })
    collector.reset()
    const next = client({ store: memoryStore(map), writeKey: 'wk_two' }) // the next page is project two's
    await next.flush()
    expect(collector.batches.map((b) => [b.writeKey, b.batch.map((m) => m.event)])).toEqual([['wk_two', ['of two']]])
    expect([...map.values()].join()).toContain('of one') // kept for project one's next page
  })

  test('a project that honours Do Not Track forgets only its own stored messages, not another project’s', async () => {
    const map = new Map<string, string>()
    for (const writeKey of ['wk_one', 'wk_two']) await leftByAnEarlierPage(map, `of ${writeKey}`, { writeKey })
    collector.reset()
    stubNavigator({ doNotTrack: '1' })
    const blocked = client({ store: memoryStore(map), writeKey: 'wk_one', respectDoNotTrack: true })
    await blocked.flush()
    vi.unstubAllGlobals()
    expect([...map.keys()].map((key) => key.split(':')[0])).toEqual(['wk_two'])
    expect(collector.batches).toEqual([])
  })

  test('still sends what 0.x stored, which names no project', async () => {
    const map = new Map([['0192b000-0000-7000-8000-000000000000', '{"sessionId":"s0"}\n{"type":"track","messageId":"m-0x","anonymousId":"x","event":"older"}']])
    client({ store: memoryStore(map), writeKey: 'wk_any' })
    await vi.waitFor(() => expect(events()).toEqual(['older']))
  })

  test('still sends what 0.x kept in localStorage when its page hid', async () => {
    localStorage.setItem('northstar:pending', JSON.stringify([['m-spill', '{"type":"track","messageId":"m-spill","anonymousId":"x","event":"spilled"}', '{}']]))
    client()
    await vi.waitFor(() => expect(events()).toEqual(['spilled']))
    expect(localStorage.getItem('northstar:pending')).toBeNull()
  })
})

describe('context', () => {
  test('sends a batch per context, which it carries once', async () => {
    const from = location.pathname
    const c = client({ flushAt: 100 })
    c.track('a')
    c.track('b')
    history.pushState({}, '', '/next')
    c.track('c')
    history.pushState({}, '', from)
    await c.flush()
    expect(collector.batches.map((b) => [b.context?.page?.path, b.batch.map((m) => m.event)])).toEqual([
      [from, ['a', 'b']],
      ['/next', ['c']],
    ])
    expect(collector.batches.flatMap((b) => b.batch).filter((m) => m.context)).toEqual([])
    expect(new Set(collector.tracked().map((m) => m.context!.sessionId)).size).toBe(1)
  })

  test('on pagehide, a keepalive request per context, all within the one 64 KB quota', async () => {
    const beacon = vi.fn((_url: string, _body: string) => true)
    stubNavigator({ sendBeacon: beacon })
    const from = location.pathname
    const c = client({ flushAt: 10_000 })
    for (let i = 0; i < 20; i++) c.track('Big', { i, blob: 'x'.repeat(1000) })
    history.pushState({}, '', '/next')
    for (let i = 20; i < 100; i++) c.track('Big', { i, blob: 'x'.repeat(1000) })
    history.pushState({}, '', from)
    dispatchEvent(new Event('pagehide'))
    vi.unstubAllGlobals()
    const bodies = beacon.mock.calls.map(([, body]) => body)
    expect(bodies.map((b) => JSON.parse(b).context.page.path)).toEqual([from, '/next'])
    expect(bodies.reduce((size, b) => size + byteLength(b), 0)).toBeLessThanOrEqual(65_536)
    await c.flush()
  })
})

describe('hiding', () => {
  test('spends the keepalive budget once when visibilitychange and pagehide both fire', async () => {
    const beacon = vi.fn((_url: string, _body: string) => true)
    stubNavigator({ sendBeacon: beacon })
    const c = client({ flushAt: 10_000 })
    for (let i = 0; i < 100; i++) c.track('Big', { i, blob: 'x'.repeat(1000) })
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    dispatchEvent(new Event('pagehide'))
    vi.unstubAllGlobals()
    const bodies = beacon.mock.calls.map(([, body]) => body)
    expect(bodies.reduce((size, b) => size + byteLength(b), 0)).toBeLessThanOrEqual(65_536)
    const ids = bodies.flatMap((b) => JSON.parse(b).batch.map((m: { messageId: string }) => m.messageId))
    expect(new Set(ids).size).toBe(ids.length)
    vi.restoreAllMocks()
    await c.flush()
  })

  test('sends first what is not stored yet, since nothing else keeps it', async () => {
    const beacon = vi.fn((_url: string, _body: string) => true)
    let hang = false
    const base = memoryStore()
    const store: Store = { ...base, setMany: (items) => (hang ? new Promise(() => {}) : base.setMany(items)) }
    collector.answer(networkError())
    const c = client({ store, flushAt: 10_000 })
    for (let i = 0; i < 60; i++) c.track('stored', { blob: 'x'.repeat(1000) })
    await c.flush() // fails: these stay stored
    hang = true
    c.track('not stored')
    stubNavigator({ sendBeacon: beacon })
    dispatchEvent(new Event('pagehide'))
    vi.unstubAllGlobals()
    expect(JSON.parse(beacon.mock.calls[0]![1]).batch[0].event).toBe('not stored')
    hang = false
  })

  test('leaves what it read of other tabs’ and earlier pages’ records to the tab that holds the send lock', async () => {
    const map = new Map<string, string>()
    await leftByAnEarlierPage(map, 'earlier page')
    collector.answer(networkError())
    const c = client({ store: memoryStore(map), flushAt: 100 })
    c.track('this page')
    await c.flush() // reads the earlier page's record, fails to send, and lets the lock go
    const beacon = vi.fn((_url: string, _body: string) => true)
    stubNavigator({ sendBeacon: beacon })
    dispatchEvent(new Event('pagehide'))
    vi.unstubAllGlobals()
    expect(beacon.mock.calls.flatMap(([, body]) => JSON.parse(body).batch.map((m: { event: string }) => m.event))).toEqual(['this page'])
  })

  test('sends what waits with a beacon on pagehide, within the 64 KB keepalive budget', async () => {
    const beacon = vi.fn((_url: string, _body: string) => true)
    stubNavigator({ sendBeacon: beacon })
    const c = client({ flushAt: 10_000 })
    for (let i = 0; i < 100; i++) c.track('Big', { i, blob: 'x'.repeat(1000) })
    dispatchEvent(new Event('pagehide'))
    expect(beacon).toHaveBeenCalledTimes(1)
    const body = beacon.mock.calls[0]![1]
    expect(byteLength(body)).toBeLessThanOrEqual(65_536)
    expect(JSON.parse(body).batch.length).toBeGreaterThan(40)
    vi.unstubAllGlobals()
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })) // the page comes back (back/forward cache)
    await c.flush() // a beacon is never confirmed: everything is still sent
    expect(collector.tracked()).toHaveLength(100)
  })
})

describe('privacy', () => {
  test('opting out sends nothing and clears the queue, also for the next page', async () => {
    collector.answer(networkError())
    const a = client()
    a.track('before')
    await a.flush()
    a.optOut()
    a.track('during')
    await a.flush()
    a.shutdown()
    collector.reset()
    const b = client()
    b.track('still out')
    await b.flush()
    expect(collector.batches).toHaveLength(0)
    b.optIn()
    b.track('back')
    await b.flush()
    expect(events()).toEqual(['back'])
  })

  test('an opted-out browser sends nothing an earlier page left, stored or in localStorage', async () => {
    const map = new Map<string, string>()
    await leftByAnEarlierPage(map, 'stored')
    const hanging: Store = { ...memoryStore(map), setMany: () => new Promise(() => {}) }
    const last = client({ store: hanging })
    last.track('in localStorage') // its write never lands: the unload keeps it in localStorage
    stubNavigator({ sendBeacon: () => false })
    dispatchEvent(new Event('pagehide'))
    vi.unstubAllGlobals()
    last.optOut()
    last.shutdown()
    collector.reset()
    const next = client({ store: memoryStore(map) })
    await next.flush()
    expect(collector.batches).toEqual([])
    expect(pendingSpill()).toBeNull()
    expect(map.size).toBe(0)
    next.optIn()
  })

  test('stops a send under way when the person opts out', async () => {
    collector.answer(async () => {
      c.optOut() // while the first batch is in flight
      return HttpResponse.json({})
    })
    const c = client({ flushAt: 100 })
    c.track('first page')
    history.pushState({}, '', '/other') // another context: a second batch
    c.track('second page')
    await c.flush()
    history.back()
    expect(collector.batches.map((b) => b.batch.map((m) => m.event))).toEqual([['first page']])
    c.optIn()
  })

  test('sends nothing an earlier page left once the browser asks not to be tracked', async () => {
    const map = new Map<string, string>()
    await leftByAnEarlierPage(map, 'before Do Not Track')
    collector.reset()
    stubNavigator({ doNotTrack: '1' })
    const next = client({ store: memoryStore(map), respectDoNotTrack: true })
    await next.flush()
    vi.unstubAllGlobals()
    expect(collector.batches).toEqual([])
    expect(map.size).toBe(0)
  })

  test.each([
    ['respectDoNotTrack', { doNotTrack: '1' }],
    ['respectGlobalPrivacyControl', { globalPrivacyControl: true }],
    ['filterBots', { webdriver: true }],
  ])('%s sends nothing when the browser asks', async (option, nav) => {
    stubNavigator(nav)
    const off = client()
    off.track('default: sent')
    await off.flush()
    const on = client({ [option]: true })
    on.track('not sent')
    await on.flush()
    vi.unstubAllGlobals()
    expect(events()).toEqual(['default: sent'])
  })
})

describe('unload', () => {
  test('keeps in localStorage what IndexedDB had not stored when the page left, and the next page sends it', async () => {
    // An unload aborts IndexedDB's pending write; the beacon fails (collector down)
    const hanging: Store = { ...memoryStore(), setMany: () => new Promise(() => {}) }
    stubNavigator({ sendBeacon: () => false })
    const a = client({ store: hanging })
    a.track('clicked a link out')
    dispatchEvent(new Event('pagehide'))
    a.shutdown()
    vi.unstubAllGlobals()
    expect(pendingSpill()).toContain('clicked a link out')
    const b = client()
    await vi.waitFor(() => expect(events()).toEqual(['clicked a link out']))
    expect(pendingSpill()).toBeNull()
    await b.flush()
  })
})

test('counts the UTF-8 bytes of a body as TextEncoder does, ASCII or not', () => {
  for (const s of ['{"a":1}', 'é', 'ü€', '😀 emoji', JSON.stringify({ t: 'mixed é € 😀 ascii' }), ''])
    expect(byteLength(s), s).toBe(new TextEncoder().encode(s).length)
})
