import { afterAll, describe, expect, test } from 'vitest'
import { dialects, iso, stopPostgres } from '../harness'
import { HOUR, identify, jan, step, track, useMetrics } from './helpers'

afterAll(() => stopPostgres())

describe.each(dialects)('onboarding on %s', (dialect) => {
  const t = useMetrics(dialect)
  const january = { from: iso(jan(1)), to: iso(jan(32)) }

  test('counts completions in any order, the ordered funnel, conversions and times', async () => {
    await t.send([
      // in order: create 01:00, invite (its event) 03:00, connect next day
      identify({ user: 'p1' }, jan(1)),
      step({ user: 'p1' }, jan(1, 1), 'create_project'),
      track({ user: 'p1' }, jan(1, 3), 'Teammate Invited'),
      step({ user: 'p1' }, jan(2), 'connect'),
      // every step, but connect before the others: completed, not through the funnel
      identify({ user: 'p2' }, jan(1)),
      step({ user: 'p2' }, jan(1, 1), 'connect'),
      step({ user: 'p2' }, jan(1, 2), 'create_project'),
      step({ user: 'p2' }, jan(1, 5), 'invite'),
      // a step repeated
      identify({ user: 'p3' }, jan(1)),
      step({ user: 'p3' }, jan(1, 4), 'create_project'),
      step({ user: 'p3' }, jan(1, 6), 'create_project'),
      // no step at all
      identify({ user: 'p4' }, jan(1)),
      // invite before and after create on one day: the funnel takes the one after
      identify({ user: 'p5' }, jan(3)),
      step({ user: 'p5' }, jan(3, 8), 'invite'),
      step({ user: 'p5' }, jan(3, 10), 'create_project'),
      step({ user: 'p5' }, jan(3, 12), 'invite'),
    ])
    const r = await t.metric('onboarding', january)
    expect(r.cohort).toBe(5)
    expect(r.steps).toEqual([
      { id: 'create_project', name: 'Create a project', completed: 4, funnel: 4, conversionFromPrevious: 80, conversionFromStart: 100, medianTimeFromPrevious: null },
      { id: 'invite', name: 'Invite a teammate', completed: 3, funnel: 3, conversionFromPrevious: 75, conversionFromStart: 75, medianTimeFromPrevious: 2 * HOUR },
      { id: 'connect', name: 'Connect an integration', completed: 2, funnel: 1, conversionFromPrevious: 100 / 3, conversionFromStart: 25, medianTimeFromPrevious: 21 * HOUR },
    ])
    expect(r.completionRate).toBe(40)
    expect(r.engagementScore).toBeCloseTo(60, 12) // (100 + 100 + 33.3 + 0 + 66.7) / 5
    expect(r.medianTimeToComplete).toBe(14.5 * HOUR) // p1 24 h, p2 5 h
  })

  test('completions count at any time, also after the window', async () => {
    await t.send([identify({ user: 'x' }, jan(31)), step({ user: 'x' }, jan(40), 'create_project')])
    expect((await t.metric('onboarding', january)).steps[0]).toMatchObject({ completed: 1, funnel: 1 })
  })

  test('a completion before signup counts and its time to complete floors at 0', async () => {
    await t.send([
      identify({ user: 'y' }, jan(5), { createdAt: '2026-01-10' }),
      step({ user: 'y' }, jan(5), 'create_project'),
      step({ user: 'y' }, jan(6), 'invite'),
      step({ user: 'y' }, jan(7), 'connect'),
    ])
    expect(await t.metric('onboarding', january)).toMatchObject({ completionRate: 100, medianTimeToComplete: 0 })
  })

  test('a person numbered among the cohort who signed up outside the window is not counted', async () => {
    // a request each: persons are numbered as they are first stored
    await t.send([identify({ user: 'p1' }, jan(2))])
    await t.send([identify({ user: 'x' }, jan(2, 1), { createdAt: '2025-12-01' }), step({ user: 'x' }, jan(2, 2), 'create_project')])
    await t.send([identify({ user: 'p2' }, jan(3)), step({ user: 'p2' }, jan(3, 1), 'create_project')])
    expect(await t.metric('onboarding', january)).toMatchObject({ cohort: 2, steps: [{ completed: 1 }, { completed: 0 }, { completed: 0 }] })
  })

  test('a cohort numbered far apart (signups imported with an old createdAt) counts its own steps only', async () => {
    const between = Array.from({ length: 30 }, (_, i) => ({ user: `b${i}` }))
    await t.send([identify({ user: 'early' }, jan(20), { createdAt: '2025-12-05' }), step({ user: 'early' }, jan(20, 1), 'create_project')])
    await t.send(between.flatMap((who) => [identify(who, jan(20)), step(who, jan(20, 1), 'create_project'), step(who, jan(20, 2), 'invite')]))
    await t.send([identify({ user: 'late' }, jan(21), { createdAt: '2025-12-06' }), step({ user: 'late' }, jan(21, 1), 'create_project'), step({ user: 'late' }, jan(21, 2), 'invite')])
    const december = await t.metric('onboarding', { from: '2025-12-01', to: '2026-01-01' })
    expect(december).toMatchObject({ cohort: 2, completionRate: 0, engagementScore: 50 })
    expect(december.steps.map((s: any) => [s.completed, s.funnel])).toEqual([[2, 2], [1, 1], [0, 0]])
    expect((await t.metric('onboarding', january)).steps.map((s: any) => s.completed)).toEqual([30, 30, 0])
  })

  test('an empty window answers null rates and zero counts', async () => {
    const r = await t.metric('onboarding', january)
    expect(r).toMatchObject({ cohort: 0, completionRate: null, engagementScore: null, medianTimeToComplete: null })
    expect(r.steps.map((s: any) => [s.completed, s.funnel, s.conversionFromPrevious, s.conversionFromStart, s.medianTimeFromPrevious])).toEqual([
      [0, 0, null, null, null],
      [0, 0, null, null, null],
      [0, 0, null, null, null],
    ])
  })

  test('a project without steps answers an empty list', async () => {
    t.configure({ onboarding: { steps: [] } })
    await t.send([identify({ user: 'z' }, jan(2))])
    expect(await t.metric('onboarding', january)).toMatchObject({ cohort: 1, steps: [], completionRate: null, engagementScore: null })
  })

})
