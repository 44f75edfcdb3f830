import { afterAll, describe, expect, test } from 'vitest'
import { dialects, iso, stopPostgres } from '../harness'
import { identify, jan, page, useMetrics } from './helpers'

afterAll(() => stopPostgres())

const zeros = (n: number) => Array(n).fill(0)

describe.each(dialects)('retention on %s', (dialect) => {
  const t = useMetrics(dialect)

  test('weekly cohorts by signup week: the share of each active in each of 13 weeks', async () => {
    // Monday Jan 5 2026 starts the first ISO week
    await t.send([
      identify({ user: 'a' }, jan(5)),
      page({ user: 'a' }, jan(13)),
      page({ user: 'a' }, jan(27)),
      identify({ user: 'b' }, jan(7)),
      page({ user: 'b' }, jan(14)),
      identify({ user: 'c' }, jan(12)),
      identify({ user: 'late' }, jan(19)), // signs up at `to`: no cohort
    ])
    const r = await t.metric('retention', { from: iso(jan(5)), to: iso(jan(19)) })
    expect(r.cohorts).toEqual([
      { week: '2026-01-05', start: jan(5), size: 2, retention: [100, 100, 0, 50, ...zeros(9)] },
      { week: '2026-01-12', start: jan(12), size: 1, retention: [100, ...zeros(12)] },
    ])
  })

  test('weeks that have not begun at the query time are null', async () => {
    t.now = jan(20)
    await t.send([identify({ user: 'a' }, jan(6))])
    const r = await t.metric('retention', { from: iso(jan(5)), to: iso(jan(12)) })
    expect(r.cohorts[0].retention).toEqual([100, 0, 0, ...Array(10).fill(null)]) // weeks of Jan 5, 12 and 19 have begun
  })

  test('tz moves the week boundary: Sunday 23:30 UTC is Monday in Berlin', async () => {
    await t.send([identify({ user: 'a' }, jan(11, 23.5))])
    const window = { from: iso(jan(1)), to: iso(jan(31)) }
    expect((await t.metric('retention', window)).cohorts.map((c: any) => c.week)).toEqual(['2026-01-05'])
    const berlin = await t.metric('retention', { ...window, tz: 'Europe/Berlin' })
    expect(berlin.cohorts.map((c: any) => [c.week, c.start])).toEqual([['2026-01-12', jan(11, 23)]])
  })

  test('a share multiplies before it divides, as every rate does: 11 of 20 is 55', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`)
    await t.send([...users.map((user) => identify({ user }, jan(5))), ...users.slice(0, 11).map((user) => page({ user }, jan(13)))])
    const r = await t.metric('retention', { from: iso(jan(5)), to: iso(jan(12)) })
    expect(r.cohorts[0].retention.slice(0, 2)).toEqual([100, 55]) // 11 / 20 * 100 is 55.00000000000001
  })

  test('an empty window has no cohorts', async () => {
    expect(await t.metric('retention', { from: iso(jan(5)), to: iso(jan(19)) })).toMatchObject({ cohorts: [] })
  })
})
