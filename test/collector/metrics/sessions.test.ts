import { afterAll, describe, expect, test } from 'vitest'
import { dialects, iso, stopPostgres } from '../harness'
import { DAY, jan, MIN, page, track, useMetrics } from './helpers'

afterAll(() => stopPostgres())

describe.each(dialects)('sessions on %s', (dialect) => {
  const t = useMetrics(dialect)
  const week = { from: iso(jan(1)), to: iso(jan(8)) }
  const inSession = (sessionId: string) => ({ context: { sessionId } })

  test('counts sessions by start, their length, per user per week, engaged time and DAU/WAU/MAU', async () => {
    await t.send([
      page({ anon: 'a' }, jan(1, 10), inSession('s1')),
      track({ anon: 'a' }, jan(1, 10) + 30 * MIN, '$engagement', { engagedMs: 1000 }, inSession('s1')),
      page({ anon: 'a' }, jan(2, 10), inSession('s2')),
      track({ anon: 'a' }, jan(2, 11), '$engagement', { engagedMs: 2500 }, inSession('s2')),
      page({ anon: 'b' }, jan(3, 9), inSession('s3')),
      // starts before the window: not counted, though it ends inside
      page({ anon: 'c' }, jan(1) - MIN, inSession('s0')),
      page({ anon: 'c' }, jan(1) + MIN, inSession('s0')),
    ])
    const r = await t.metric('sessions', week)
    expect(r).toMatchObject({ sessions: 3, avgSessionLength: 30 * MIN, sessionsPerUserPerWeek: 1.5, engagedTime: 3500 })
    // days: Jan 1 {a, c}, Jan 2 {a}, Jan 3 {b}, then four empty days
    expect(r.dau).toBeCloseTo(4 / 7, 12)
    expect(r).toMatchObject({ wau: 3, mau: 3 })
    expect(r.stickiness).toBeCloseTo((4 / 7 / 3) * 100, 10)
  })

  test('tz moves day boundaries: two events around UTC midnight are one Berlin day', async () => {
    await t.send([page({ anon: 'n' }, jan(1, 23) + 30 * MIN), page({ anon: 'n' }, jan(2) + 30 * MIN)])
    const window = { from: iso(jan(1)), to: iso(jan(3)) }
    expect((await t.metric('sessions', window)).dau).toBe(1) // Jan 1 and Jan 2 UTC
    // Berlin (+1): [Jan 1 01:00, Jan 2 00:00), [Jan 2 00:00, Jan 3 00:00), [Jan 3 00:00, Jan 3 01:00): active only the second
    expect((await t.metric('sessions', { ...window, tz: 'Europe/Berlin' })).dau).toBeCloseTo(1 / 3, 12)
  })

  test('WAU and MAU look back 7 and 30 days from to', async () => {
    await t.send([page({ anon: 'recent' }, jan(31)), page({ anon: 'older' }, jan(20)), page({ anon: 'oldest' }, jan(1) - DAY)])
    const r = await t.metric('sessions', { from: iso(jan(31)), to: iso(jan(32)) })
    expect(r).toMatchObject({ dau: 1, wau: 1, mau: 2, stickiness: 50 })
  })

  test('an empty window answers nulls and zero counts', async () => {
    expect(await t.metric('sessions', week)).toMatchObject({ sessions: 0, avgSessionLength: null, sessionsPerUserPerWeek: null, engagedTime: 0, dau: 0, wau: 0, mau: 0, stickiness: null })
  })
})
