import { afterAll, describe, expect, test } from 'vitest'
import { dialects, iso, NOW, stopPostgres } from '../harness'
import { answer, DAY, HOUR, identify, jan, page, step, track, useMetrics } from './helpers'

afterAll(() => stopPostgres())

describe.each(dialects)('time to value on %s', (dialect) => {
  const t = useMetrics(dialect)
  const january = { from: iso(jan(1)), to: iso(jan(32)) }

  test('signup Jan 1 and first value Jan 5 is a TTV of 4 days', async () => {
    await t.send([identify({ user: 'ann' }, jan(3), { createdAt: '2026-01-01' }), track({ user: 'ann' }, jan(5), 'Report Shared')])
    const r = await t.metric('ttv', january)
    expect(r).toMatchObject({ cohort: 1, activated: 1, activationRate: 100, median: 4 * DAY, p25: 4 * DAY, mean: 4 * DAY })
    expect(r.bands).toEqual({ excellent: 1, good: 0, needsImprovement: 0, critical: 0 })
  })

  test('percentiles interpolate between ranks and bands count activated persons', async () => {
    const days = [1, 2, 10, 20, 40]
    await t.send(days.flatMap((d, i) => [identify({ user: `u${i}` }, jan(1)), track({ user: `u${i}` }, jan(1) + d * DAY, 'Report Shared')]))
    const r = await t.metric('ttv', january)
    // numpy: position (n - 1) q over [1, 2, 10, 20, 40] days
    expect(r.p25).toBe(2 * DAY)
    expect(r.median).toBe(10 * DAY)
    expect(r.p75).toBe(20 * DAY)
    expect(r.p90).toBe(32 * DAY) // 20 + 0.6 x (40 - 20)
    expect(r.mean).toBe(14.6 * DAY)
    expect(r.bands).toEqual({ excellent: 2, good: 1, needsImprovement: 1, critical: 1 })
  })

  test('a signup exactly at from counts, one exactly at to does not', async () => {
    await t.send([identify({ user: 'in' }, jan(1)), identify({ user: 'out' }, jan(32))])
    expect(await t.metric('ttv', january)).toMatchObject({ cohort: 1, activated: 0 })
  })

  test('events sent anonymously before identify belong to the identified person', async () => {
    await t.send([page({ anon: 'a1' }, jan(2)), track({ anon: 'a1' }, jan(3), 'Report Shared')])
    await t.send([identify({ anon: 'a1', user: 'bob' }, jan(4))])
    const r = await t.metric('ttv', january)
    expect(r).toMatchObject({ cohort: 1, activated: 1, median: DAY }) // signup = first event (Jan 2), value Jan 3
  })

  test('one userId gathers the events of its two devices', async () => {
    await t.send([identify({ anon: 'laptop', user: 'cy' }, jan(10)), identify({ anon: 'phone', user: 'cy' }, jan(12)), track({ anon: 'phone' }, jan(12, 6), 'Report Shared')])
    expect(await t.metric('ttv', january)).toMatchObject({ cohort: 1, activated: 1, median: 2 * DAY + 6 * HOUR })
  })

  test('an anonymousId linked to two userIds belongs to the link with the greatest event time, whatever the arrival order', async () => {
    await t.send([identify({ anon: 'shared', user: 'late' }, jan(6))])
    await t.send([identify({ anon: 'shared', user: 'early' }, jan(5)), track({ anon: 'shared' }, jan(7), 'Report Shared')])
    const r = await t.metric('ttv', january)
    // every event of the device is "late"'s, the earliest (Jan 5) included; "early" has no event of its own
    expect(r).toMatchObject({ cohort: 1, activated: 1, median: 2 * DAY })
  })

  test('createdAt without offset is UTC, a date alone is midnight UTC, and a TTV floors at 0', async () => {
    await t.send([
      identify({ user: 'noon' }, jan(2), { createdAt: '2026-01-02T12:00:00' }),
      track({ user: 'noon' }, jan(3), 'Report Shared'),
      // createdAt later than the value event
      identify({ user: 'late' }, jan(2), { createdAt: '2026-01-20' }),
      track({ user: 'late' }, jan(3), 'Report Shared'),
    ])
    const r = await t.metric('ttv', january)
    expect(r.cohort).toBe(2)
    expect([r.p25, r.p75]).toEqual([0.25 * 12 * HOUR, 0.75 * 12 * HOUR]) // TTVs 0 and 12 h
  })

  test('a createdAt that is not ISO 8601 falls back to the first event', async () => {
    await t.send([identify({ user: 'x' }, jan(2), { createdAt: 'last tuesday' }), track({ user: 'x' }, jan(4), 'Report Shared')])
    expect(await t.metric('ttv', january)).toMatchObject({ median: 2 * DAY })
  })

  test('a clock-skewed timestamp is corrected by sentAt and can cross a window bound', async () => {
    // the client clock is 2 h behind: Jan 31 23:00 on the client is Feb 1 01:00
    const sentAt = iso(NOW - 2 * HOUR)
    await t.send([identify({ user: 'skewed' }, jan(31, 23))], { sentAt })
    expect(await t.metric('ttv', january)).toMatchObject({ cohort: 0 })
    expect(await t.metric('ttv', { from: iso(jan(32)), to: iso(jan(33)) })).toMatchObject({ cohort: 1 })
  })

  test('within counts value only up to that many days after signup', async () => {
    await t.send([identify({ user: 'fast' }, jan(1)), track({ user: 'fast' }, jan(3), 'Report Shared'), identify({ user: 'slow' }, jan(1)), track({ user: 'slow' }, jan(20), 'Report Shared')])
    expect(await t.metric('ttv', { ...january, within: 14 })).toMatchObject({ cohort: 2, activated: 1, activationRate: 50, median: 2 * DAY })
  })

  test('a band starts at its bound, and within counts a value exactly that many days after signup', async () => {
    // 7, 14 and 30 days open good, needs improvement and critical; just under each stays in the band below
    const days = [7 - 1 / 24, 7, 14 - 1 / 24, 14, 30 - 1 / 24, 30]
    await t.send(days.flatMap((d, i) => [identify({ user: `u${i}` }, jan(1)), track({ user: `u${i}` }, jan(1) + d * DAY, 'Report Shared')]))
    expect((await t.metric('ttv', january)).bands).toEqual({ excellent: 1, good: 2, needsImprovement: 2, critical: 1 })
    const within = await t.metric('ttv', { ...january, within: 14 })
    expect(within).toMatchObject({ cohort: 6, activated: 4 })
    expect(within.bands).toEqual({ excellent: 1, good: 2, needsImprovement: 1, critical: 0 })
  })

  test('the Kaplan-Meier median treats unactivated persons as censored at the query time', async () => {
    t.now = jan(20)
    await t.send([
      identify({ user: 'a' }, jan(10)),
      track({ user: 'a' }, jan(11), 'Report Shared'),
      identify({ user: 'b' }, jan(18)), // censored at 2 days
      identify({ user: 'c' }, jan(10)),
      track({ user: 'c' }, jan(14), 'Report Shared'),
      identify({ user: 'd' }, jan(10)), // censored at 10 days
    ])
    const r = await t.metric('ttv', january)
    expect(r).toMatchObject({ cohort: 4, activated: 2, unactivated: 2, median: 2.5 * DAY })
    // S(1 d) = 3/4; b leaves at 2 d; S(4 d) = 3/4 x 1/2 = 3/8 <= 0.5
    expect(r.kaplanMeierMedian).toBe(4 * DAY)
  })

  test('the value event may be an onboarding step', async () => {
    t.configure({ activation: { valueEvent: 'invite' } }) // completed by $step invite or by "Teammate Invited"
    await t.send([identify({ user: 's' }, jan(1)), step({ user: 's' }, jan(2), 'create_project'), track({ user: 's' }, jan(3), 'Teammate Invited')])
    await t.send([identify({ user: 'r' }, jan(1)), step({ user: 'r' }, jan(4), 'invite')])
    expect(await t.metric('ttv', january)).toMatchObject({ activated: 2, p25: 2 * DAY + 0.25 * DAY, p75: 2 * DAY + 0.75 * DAY })
  })

  test('time to first action skips page views, engagement and survey events', async () => {
    await t.send([
      page({ user: 'p' }, jan(1)),
      track({ user: 'p' }, jan(1) + 60_000, '$engagement', { engagedMs: 5000 }),
      answer({ user: 'p' }, jan(1) + 120_000, 'nps-main', 'nps', 9),
      track({ user: 'p' }, jan(1) + 180_000, 'Project Created'),
      page({ user: 'q' }, jan(1)),
      track({ user: 'q' }, jan(1) + 10 * 60_000, 'Project Created'),
    ])
    const r = await t.metric('ttv', january)
    expect(r.timeToFirstAction).toEqual({ acted: 2, p25: 3 * 60_000 + 0.25 * 7 * 60_000, median: 6.5 * 60_000, p75: 3 * 60_000 + 0.75 * 7 * 60_000, p90: 3 * 60_000 + 0.9 * 7 * 60_000, mean: 6.5 * 60_000, withinTarget: 1 })
  })

  test('an empty window answers null statistics and zero counts', async () => {
    const r = await t.metric('ttv', january)
    expect(r).toMatchObject({ cohort: 0, activated: 0, activationRate: null, p25: null, median: null, p75: null, p90: null, mean: null, kaplanMeierMedian: null })
    expect(r.bands).toEqual({ excellent: 0, good: 0, needsImprovement: 0, critical: 0 })
  })
})
