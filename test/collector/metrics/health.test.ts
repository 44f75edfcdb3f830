import { afterAll, describe, expect, test } from 'vitest'
import { dialects, iso, stopPostgres } from '../harness'
import { smallest, subjects } from '../../../collector/metrics/health'
import { feature, group, identify, jan, page, useMetrics } from './helpers'

afterAll(() => stopPostgres())

const daily = (who: { user: string }, first: number, count: number) => Array.from({ length: count }, (_, i) => page(who, jan(first + i, 12)))

describe.each(dialects)('health on %s', (dialect) => {
  const t = useMetrics(dialect)
  const window = { from: iso(jan(1)), to: iso(jan(31)) }

  async function seed() {
    await t.send([
      // acme: 17 active days of two members (> 0.5), 1 of 2 features, 3 tickets, payments unknown
      ...daily({ user: 'm1' }, 1, 10),
      ...daily({ user: 'm2' }, 8, 10),
      group({ user: 'm1' }, jan(1), 'acme', { supportTickets: 3 }),
      group({ user: 'm2' }, jan(8), 'acme'),
      feature({ user: 'm1' }, jan(2), 'export_csv'),
      // solo: 7 days (> 0.2), no feature, no tickets, payments late
      ...daily({ user: 'solo' }, 20, 7),
      identify({ user: 'solo' }, jan(20), { paymentsCurrent: false }),
      // idle: 1 day, 5 tickets
      identify({ user: 'idle' }, jan(30), { supportTickets: 5 }),
      // first seen after `to`: not a subject yet
      page({ user: 'future' }, jan(40)),
    ])
  }

  test('scores accounts, and persons without one, over the 30 days before to', async () => {
    await seed()
    const r = await t.metric('health', window)
    expect(r.subjects).toBe(3)
    expect(r.bands).toEqual({ healthy: 0, neutral: 1, atRisk: 1, critical: 1 })
    expect(r.worst).toEqual([
      { subject: 'u:idle', kind: 'person', persons: 1, score: 10, band: 'critical', components: { usage: 0, engagement: 0, support: 0, payments: 10 }, activeDays: 1, featuresUsed: 0 },
      { subject: 'u:solo', kind: 'person', persons: 1, score: 40, band: 'atRisk', components: { usage: 20, engagement: 0, support: 20, payments: 0 }, activeDays: 7, featuresUsed: 0 },
      { subject: 'acme', kind: 'account', persons: 2, score: 75, band: 'neutral', components: { usage: 40, engagement: 15, support: 10, payments: 10 }, activeDays: 17, featuresUsed: 1 },
    ])
  })

  test('counts at most 30 active days when to is not a midnight: the window’s two cut days make one', async () => {
    // active at 13:00 on Jan 1, then at 11:00 on every day from Jan 2 to Jan 31
    await t.send([page({ anon: 'x' }, jan(1, 13)), ...Array.from({ length: 30 }, (_, d) => page({ anon: 'x' }, jan(2 + d, 11)))])
    const days = async (to: number) => (await t.metric('health', { to: iso(to) })).worst[0].activeDays
    // from 12:00 on Jan 1 to 12:00 on Jan 31: Jan 1's 13:00 and Jan 31's 11:00 fall in the two cut ends of one day
    expect(await days(jan(31, 12))).toBe(30)
    expect(await days(jan(31))).toBe(30) // from midnight to midnight: 30 whole days
  })

  test('weights come from the project config', async () => {
    t.configure({ health: { weights: { usage: 50, engagement: 50, support: 0, payments: 0 } } })
    await seed()
    const r = await t.metric('health', { ...window, limit: 2 })
    expect(r.worst.map((s: any) => [s.subject, s.score])).toEqual([
      ['u:idle', 0],
      ['u:solo', 25],
    ])
  })

  test('bands: 80 healthy, 60 neutral, 40 at risk, below critical', async () => {
    const { band } = await import('../../../collector/metrics/health')
    expect([100, 80, 79.9, 60, 59.9, 40, 39.9, 0].map(band)).toEqual(['healthy', 'healthy', 'neutral', 'neutral', 'atRisk', 'atRisk', 'critical', 'critical'])
  })

  test('among equal scores the worst are in subject order, also when few of many persons are named', async () => {
    // 20 idle persons score 30 (no use, no traits); the two with 5 tickets score 10, and are the only ones named
    await t.send([
      ...Array.from({ length: 20 }, (_, i) => page({ user: `p${String(i).padStart(2, '0')}` }, jan(2))),
      identify({ user: 'p17' }, jan(3), { supportTickets: 5 }),
      identify({ user: 'p04' }, jan(3), { supportTickets: 5 }),
    ])
    const worst = async (limit: number) => (await t.metric('health', { ...window, limit })).worst.map((s: any) => [s.subject, s.score])
    expect(await worst(2)).toEqual([
      ['u:p04', 10],
      ['u:p17', 10],
    ])
    expect(await worst(4)).toEqual([
      ['u:p04', 10],
      ['u:p17', 10],
      ['u:p00', 30],
      ['u:p01', 30],
    ])
    expect((await worst(100)).map(([subject]: string[]) => subject)).toEqual(['u:p04', 'u:p17', ...Array.from({ length: 20 }, (_, i) => `u:p${String(i).padStart(2, '0')}`).filter((p) => p != 'u:p04' && p != 'u:p17')])
  })

  test('an empty project has no subjects', async () => {
    expect(await t.metric('health', window)).toEqual(expect.objectContaining({ subjects: 0, bands: { healthy: 0, neutral: 0, atRisk: 0, critical: 0 }, worst: [] }))
  })
})

test('a person finds its subject by number, whether the numbers are dense or far apart', () => {
  const population = (pid: number[], account: (string | null)[]) => ({ pid, account, traits: () => ({}), accountTraits: () => ({}), has: () => true })
  for (const pids of [
    [3, 4, 5, 6],
    [7, 1_000_000, 2, 4_000_000_000],
  ]) {
    const all = subjects(population(pids, ['acme', null, 'acme', null]))
    expect(all.count).toBe(3)
    expect(pids.map((pid) => all.of(pid))).toEqual([0, 1, 0, 2])
    expect([all.of(pids[0]! + 1_000_001), all.of(-1)]).toEqual([undefined, undefined])
    expect([0, 1, 2].map((i) => [all.kind(i), all.name(i), all.size[i]])).toEqual([
      ['account', 'acme', 2],
      ['person', undefined, 1],
      ['person', undefined, 1],
    ])
  }
  expect(subjects(population([], [])).count).toBe(0)
})

test('the worst subjects are the k smallest of a full sort, in its order, whatever order they come in', () => {
  let seed = 7
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  const items = Array.from({ length: 2000 }, (_, i) => ({ score: Math.floor(random() * 5) * 10, subject: `s${i}` }))
  const compare = (a: (typeof items)[number], b: (typeof items)[number]) => a.score - b.score || (a.subject < b.subject ? -1 : 1)
  for (const order of [items, [...items].reverse(), [...items].sort(compare), [...items].sort(compare).reverse()])
    for (const k of [1, 100, 1999, 2000, 5000]) expect(smallest(order, k, compare)).toEqual([...items].sort(compare).slice(0, k))
})
