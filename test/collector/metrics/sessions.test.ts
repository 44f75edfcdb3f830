import { afterAll, describe, expect, test } from 'vitest'
import { dialects, iso, stopPostgres } from '../harness'
import { DAY, identify, jan, MIN, page, track, useMetrics } from './helpers'

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

  test('engaged time in the part of a day at a window end counts an actor’s day whole or not at all where it lies on one side', async () => {
    const engaged = (anon: string, t: number, ms: number) => track({ anon }, t, '$engagement', { engagedMs: ms })
    await t.send([
      // all after the window's start on jan 1, and across it
      engaged('after', jan(1, 13), 7_000_000),
      engaged('after', jan(1, 15), 1_000_000),
      engaged('across', jan(1, 11), 300),
      engaged('across', jan(1, 13), 4000),
      // all before the start on jan 1; on jan 4, one before the end and one after it
      engaged('before', jan(1, 9), 30_000_000),
      engaged('before', jan(4, 10), 2_000_000),
      engaged('before', jan(4, 20), 40_000_000),
      engaged('night', jan(2, 3), 500_000),
    ])
    expect((await t.metric('sessions', { from: iso(jan(1, 12)), to: iso(jan(4, 12)) })).engagedTime).toBe(10_504_000)
    // a window of less than a day across midnight: a part on each side of it
    expect((await t.metric('sessions', { from: iso(jan(1, 12)), to: iso(jan(2, 6)) })).engagedTime).toBe(8_504_000)
  })

  test('engaged time sums whole days and the parts of days at the window ends alike', async () => {
    const engaged = (t: number, ms: number) => track({ anon: 'e' }, t, '$engagement', { engagedMs: ms })
    await t.send([engaged(jan(1, 11), 1), engaged(jan(1, 13), 20), engaged(jan(2, 5), 300), engaged(jan(3, 23), 4000)])
    await t.send([engaged(jan(2, 6), 5000), engaged(jan(4, 11), 50_000), engaged(jan(4, 13), 600_000)])
    expect((await t.metric('sessions', { from: iso(jan(1, 12)), to: iso(jan(4, 12)) })).engagedTime).toBe(59_320)
    expect((await t.metric('sessions', { from: iso(jan(2)), to: iso(jan(3)) })).engagedTime).toBe(5300)
    expect((await t.metric('sessions', { from: iso(jan(1, 12)), to: iso(jan(2, 12)) })).engagedTime).toBe(5320)
  })

  test("a device's sessions before it is linked are its person's, with a segment too", async () => {
    const engaged = (hour: number, ms: number) => track({ anon: 'phone' }, jan(2, hour), '$engagement', { engagedMs: ms }, inSession('s2'))
    await t.send([page({ anon: 'laptop' }, jan(1, 10), inSession('s1')), engaged(9, 300), engaged(11, 400)])
    await t.send([identify({ anon: 'laptop', user: 'u' }, jan(3), { plan: 'pro' }), identify({ anon: 'phone', user: 'u' }, jan(3, 1))])
    for (const segment of [[], ['plan:pro']]) expect(await t.metric('sessions', { ...week, segment })).toMatchObject({ sessions: 2, sessionsPerUserPerWeek: 2, engagedTime: 700, wau: 1 })
    expect(await t.metric('sessions', { ...week, segment: 'plan:free' })).toMatchObject({ sessions: 0, engagedTime: 0, wau: 0 })
    // windows inside one day, by the person of the actor: all the phone's engagement inside (its day's activity
    // tells), and across the window's end (its events tell)
    for (const [to, ms] of [[jan(2, 12), 700], [jan(2, 10), 300]] as const) {
      const hours = { from: iso(jan(2, 5)), to: iso(to) }
      for (const segment of [[], ['plan:pro']]) expect((await t.metric('sessions', { ...hours, segment })).engagedTime).toBe(ms)
      expect((await t.metric('sessions', { ...hours, segment: 'plan:free' })).engagedTime).toBe(0)
    }
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
