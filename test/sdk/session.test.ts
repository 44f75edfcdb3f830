import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest'
import { client } from './client'
import { fakeCollector } from './collector'

const collector = fakeCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  collector.reset()
  vi.useRealTimers()
})
afterAll(() => collector.server.close())

const minutes = (n: number) => n * 60_000
const sessions = () => collector.tracked().map((m) => m.context!.sessionId)

async function trackAt(gaps: number[], c = client({ flushAt: 1 })) {
  for (const gap of gaps) {
    await vi.advanceTimersByTimeAsync(gap)
    c.track('tick')
  }
  await vi.waitFor(() => expect(collector.tracked()).toHaveLength(gaps.length))
}

test('keeps one session while events come less than 30 minutes apart', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  await trackAt([0, minutes(29), minutes(29), minutes(29)])
  expect(new Set(sessions()).size).toBe(1)
})

test('starts a new session after 30 minutes without an event', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  await trackAt([0, minutes(30), minutes(1)])
  const [a, b, c] = sessions()
  expect(a).not.toBe(b)
  expect(b).toBe(c)
})

test('starts a new session 24 hours after one began, however active', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  await trackAt(Array.from({ length: 24 * 4 + 1 }, (_, i) => (i ? minutes(15) : 0)))
  const ids = sessions()
  expect(new Set(ids.slice(0, 24 * 4)).size).toBe(1) // 0 h to 23 h 45
  expect(ids[24 * 4]).not.toBe(ids[0]) // 24 h
})

test('shares the session between tabs', async () => {
  const a = client()
  const b = client()
  a.track('in tab a')
  b.track('in tab b')
  await a.flush()
  await b.flush()
  expect(new Set(sessions()).size).toBe(1)
})

test('activity in another tab keeps the session alive', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  const a = client()
  const b = client()
  a.track('a at 0')
  await vi.advanceTimersByTimeAsync(minutes(20))
  b.track('b at 20 min')
  await vi.advanceTimersByTimeAsync(minutes(20))
  a.track('a at 40 min') // idle here for 40 minutes, but the site was not
  vi.useRealTimers()
  await a.flush()
  expect(new Set(sessions()).size).toBe(1)
})

test('reset() starts a new session and a new anonymous person', async () => {
  const c = client()
  c.identify('user-1')
  c.track('before')
  c.reset()
  c.track('after')
  await c.flush()
  const [identify, before, after] = collector.messages()
  expect(identify!.userId).toBe('user-1')
  expect(before!.userId).toBe('user-1')
  expect(after!.userId).toBeUndefined()
  expect(after!.anonymousId).not.toBe(before!.anonymousId)
  expect(after!.context!.sessionId).not.toBe(before!.context!.sessionId)
})

test('remembers the anonymous id and the user id across page loads', async () => {
  const a = client()
  a.identify('user-1', { plan: 'pro' })
  a.shutdown()
  const b = client()
  b.track('later')
  await b.flush()
  const [identify, later] = collector.messages()
  expect(identify).toMatchObject({ type: 'identify', userId: 'user-1', traits: { plan: 'pro' } })
  expect(later).toMatchObject({ userId: 'user-1', anonymousId: identify!.anonymousId })
})
