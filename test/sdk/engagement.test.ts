import { afterAll, afterEach, beforeAll, beforeEach, expect, test, vi } from 'vitest'
import { client } from './client'
import { fakeCollector } from './collector'

const collector = fakeCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  setVisibility('visible')
})
afterEach(() => {
  collector.reset()
  vi.useRealTimers()
})
afterAll(() => collector.server.close())

function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true })
  document.dispatchEvent(new Event('visibilitychange'))
}
const input = () => dispatchEvent(new Event('pointerdown'))
const seconds = (n: number) => vi.advanceTimersByTimeAsync(n * 1000)
async function engaged() {
  const c = client({ engagement: true })
  return async () => {
    setVisibility('hidden') // reports what accrued
    setVisibility('visible')
    vi.useRealTimers() // happy-dom's fetch runs on the page's timers
    await c.flush()
    // the hide sent a beacon and the flush sent the same messages again: count each messageId once
    const unique = new Map(collector.tracked().map((m) => [m.messageId, m]))
    return [...unique.values()].filter((m) => m.event == '$engagement').map((m) => m.properties!.engagedMs)
  }
}

test('counts nothing while the user does not interact', async () => {
  const report = await engaged()
  await seconds(120)
  expect(await report()).toEqual([])
})

test('counts up to 30 seconds after each interaction', async () => {
  const report = await engaged()
  input()
  await seconds(10)
  input()
  await seconds(45) // engaged 10 s, then 30 s after the second input
  expect(await report()).toEqual([40_000])
})

test('does not count time while the page is hidden', async () => {
  const report = await engaged()
  input()
  await seconds(5)
  setVisibility('hidden')
  await seconds(40)
  setVisibility('visible')
  await seconds(20)
  expect(await report()).toEqual([5_000]) // the 30 s window ran out while hidden
})

test('the minute’s report is not an interaction: 30 s after the last real one, counting stops', async () => {
  const report = await engaged()
  input()
  await seconds(50)
  input() // engaged until 80 s
  await seconds(150)
  // 0 to 30 s and 50 to 60 s at the minute, then 60 to 80 s: 60 s, where the minute's report used to count 30 s more
  expect((await report()).map(Number).sort((a, b) => b - a)).toEqual([40_000, 20_000])
})

test('what a signed-in person was engaged goes out as theirs before another user signs in, or reset() (logout)', async () => {
  const c = client({ engagement: true })
  c.identify('alice')
  input()
  await seconds(20)
  c.identify('bob') // another user in this browser
  input()
  await seconds(10)
  c.reset()
  vi.useRealTimers()
  await c.flush()
  const engagement = collector.tracked().filter((m) => m.event == '$engagement')
  expect(engagement.map((m) => [m.properties!.engagedMs, m.userId])).toEqual([
    [20_000, 'alice'],
    [10_000, 'bob'],
  ])
})

test('reports at most once a minute while the user keeps interacting', async () => {
  const report = await engaged()
  for (let s = 0; s < 150; s += 5) {
    input()
    await seconds(5)
  }
  expect(await report()).toEqual([60_000, 60_000, 30_000]) // at 60 s, 120 s, and the rest on hide
})
