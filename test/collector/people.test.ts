import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, describe, expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import { foldPersons } from '../../collector/db/people'
import { afterUpgrade, clear, dialects, openTestDb, post, stopPostgres, testApp, useTestDb } from './harness'
import { group, identify, jan, page } from './metrics/helpers'

afterAll(() => stopPostgres())

/**
 * The persons table as ingest kept it (but the numbers it gave), and as a fold of every actor's state makes it;
 * and the rows of firsts, activity and sessions that do not name their actor's person by that person's number.
 */
async function kept(db: Db) {
  const rows = (await db.kysely.selectFrom('persons').selectAll().where('project_id', '=', 'saas').orderBy('person').execute()).map(({ pid: _, ...row }) => row)
  const actors = await db.kysely.selectFrom('actors').select(['actor', 'person']).where('project_id', '=', 'saas').execute()
  const folded = [...(await foldPersons(db.kysely, 'saas', new Map(actors.map((a) => [a.actor, a.person])))).values()].sort((a, b) => (a.person < b.person ? -1 : 1))
  const misnamed = []
  for (const table of ['firsts', 'activity', 'sessions'] as const)
    misnamed.push(
      ...(await db.kysely
        .selectFrom(`${table} as t` as 'activity as t') // the three name actor and pid alike
        .innerJoin('actors as a', (join) => join.onRef('a.project_id', '=', 't.project_id').onRef('a.actor', '=', 't.actor'))
        .leftJoin('persons as p', (join) => join.onRef('p.project_id', '=', 'a.project_id').onRef('p.person', '=', 'a.person'))
        .select(['t.actor', 't.pid', 'p.pid as expected'])
        .where('t.project_id', '=', 'saas')
        .where(sql<boolean>`coalesce(t.pid, -1) <> coalesce(p.pid, -1)`)
        .execute()).map((r) => ({ table, ...r })),
    )
  // each person's traits: per key, the latest (event time, then receipt) of its actors'
  const stored = await db.kysely
    .selectFrom('person_traits as t')
    .innerJoin('persons as p', (join) => join.onRef('p.pid', '=', 't.pid'))
    .select(['p.person', 't.key', 't.value', 't.time', 't.seq'])
    .where('t.project_id', '=', 'saas')
    .execute()
  const latest = new Map<string, (typeof stored)[number]>()
  for (const t of await db.kysely.selectFrom('traits').selectAll().where('project_id', '=', 'saas').where('kind', '=', 'person').execute()) {
    const person = actors.find((a) => a.actor == t.subject)!.person!
    const known = latest.get(`${person}/${t.key}`)
    if (!known || t.time > known.time || (t.time == known.time && t.seq > known.seq)) latest.set(`${person}/${t.key}`, { person, key: t.key, value: t.value, time: t.time, seq: t.seq })
  }
  const order = (a: { person: string; key: string }, b: { person: string; key: string }) => (a.person + '/' + a.key < b.person + '/' + b.key ? -1 : 1)
  const traits = { stored: stored.sort(order), folded: [...latest.values()].sort(order) }
  return { rows, folded, misnamed, traits }
}

describe.each(dialects)('per-person state on %s', (dialect) => {
  let db: Db
  useTestDb(dialect, (d) => (db = d))
  const send = async (batch: unknown[]) => expect((await post(testApp(db), '/v1/batch', { writeKey: 'wk_saas', batch })).status).toBe(200)

  test('a re-link moves the device to its new person and recomputes the old one', async () => {
    await send([page({ anon: 'phone' }, jan(1)), identify({ anon: 'laptop', user: 'x' }, jan(5), { createdAt: '2026-01-03' }), identify({ anon: 'phone', user: 'x' }, jan(2))])
    expect((await kept(db)).rows.map((p) => [p.person, p.first_time, p.signup_time])).toEqual([['u:x', jan(1), jan(3)]])
    // the phone is y's from Jan 6 on: x keeps the laptop only, and its createdAt
    await send([identify({ anon: 'phone', user: 'y' }, jan(6), { createdAt: 'not a date' }), group({ anon: 'phone', user: 'y' }, jan(6), 'acme')])
    const { rows, folded, misnamed, traits } = await kept(db)
    expect(misnamed).toEqual([])
    expect(traits.stored.map((t) => [t.person, t.key, t.value])).toEqual([
      ['u:x', 'createdAt', '"2026-01-03"'],
      ['u:y', 'createdAt', '"not a date"'],
    ])
    expect(traits.stored).toEqual(traits.folded)
    expect(rows.map((p) => [p.person, p.first_time, p.signup_time, p.account])).toEqual([
      ['u:x', jan(5), jan(3), null],
      ['u:y', jan(1), jan(1), 'acme'],
    ])
    expect(rows).toEqual(folded)
  })

  test('whatever the order and split of messages, the kept state equals a fold of all actors', async () => {
    const anon = fc.constantFrom('d1', 'd2', 'd3', 'd4')
    const user = fc.option(fc.constantFrom('u1', 'u2', 'u3'), { nil: undefined })
    const day = fc.integer({ min: 1, max: 6 })
    const message = fc.oneof(
      fc.tuple(anon, user, day).map(([a, u, d]) => page({ anon: a, user: u }, jan(d))),
      fc
        .tuple(anon, user, day, fc.constantFrom('2026-01-02', '2026-01-04T10:00:00', 'soon'), fc.constantFrom('free', 'pro', undefined))
        .map(([a, u, d, c, plan]) => identify({ anon: a, user: u }, jan(d), { createdAt: c, ...(plan && { plan }) })),
      fc.tuple(anon, user, day, fc.constantFrom('acme', 'globex')).map(([a, u, d, g]) => group({ anon: a, user: u }, jan(d), g)),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(message, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), async (batches) => {
        await clear(db)
        for (const batch of batches) await send(batch)
        const { rows, folded, misnamed, traits } = await kept(db)
        expect(rows).toEqual(folded)
        expect(misnamed).toEqual([])
        expect(traits.stored).toEqual(traits.folded)
      }),
      { numRuns: dialect == 'sqlite' ? 60 : 15 },
    )
  })
})

describe('per-person state with two collectors on one PostgreSQL', () => {
  let db: Db
  useTestDb('postgres', (d) => (db = d))

  test('two collectors linking one new device to two users at once keep the persons equal to a fold of all actors', async () => {
    const other = await openTestDb('postgres') // a second pool on the same database: another collector
    try {
      const send = (on: Db, batch: unknown[]) => post(testApp(on), '/v1/batch', { writeKey: 'wk_saas', batch })
      for (let i = 0; i < 20; i++) {
        // the later link wins whichever commits first; the person the loser made must not outlive it
        const answers = await Promise.all([
          send(db, [identify({ anon: `d${i}`, user: `early${i}` }, jan(1), { plan: 'early' })]),
          send(other.db, [identify({ anon: `d${i}`, user: `late${i}` }, jan(2), { plan: 'late' })]),
        ])
        expect(answers.map((a) => a.status)).toEqual([200, 200])
      }
      const { rows, folded, misnamed, traits } = await kept(db)
      expect(rows.map((p) => p.person)).toEqual(folded.map((p) => p.person))
      expect(rows).toEqual(folded)
      expect(misnamed).toEqual([])
      expect(traits.stored).toEqual(traits.folded)
    } finally {
      await other.close()
    }
  })
})

test('the migration that adds person traits merges those already stored: per person and key, the latest of its actors', async () => {
  await afterUpgrade(
    '2026-12-07-011-persons-read-from-their-index',
    async (old) => {
      const actor = (actor: string, person: string) => ({ project_id: 'saas', actor, first_time: 1, last_time: 1, person })
      await old.insertInto('actors').values([actor('a:phone', 'u:x'), actor('a:laptop', 'u:x'), actor('a:tablet', 'a:tablet')]).execute()
      await old.insertInto('persons').values(['u:x', 'a:tablet'].map((person) => ({ project_id: 'saas', person, first_time: 1, signup_time: 1 }))).execute()
      const trait = (subject: string, key: string, value: unknown, time: number, seq = 0, kind = 'person') => ({ project_id: 'saas', kind, subject, key, value: JSON.stringify(value), time, seq })
      await old
        .insertInto('traits')
        .values([
          trait('a:phone', 'plan', 'free', 1),
          trait('a:laptop', 'plan', 'pro', 2),
          trait('a:phone', 'seats', 3, 5, 1),
          trait('a:laptop', 'seats', 4, 5, 0),
          trait('a:tablet', 'plan', 'team', 1),
          trait('acme', 'plan', 'enterprise', 9, 0, 'account'),
        ])
        .execute()
    },
    async (db) => {
      const rows = await db.kysely
        .selectFrom('person_traits as t')
        .innerJoin('persons as p', (join) => join.onRef('p.pid', '=', 't.pid'))
        .select(['p.person', 't.key', 't.value'])
        .orderBy('p.person')
        .orderBy('t.key')
        .execute()
      expect(rows).toEqual([
        { person: 'a:tablet', key: 'plan', value: '"team"' },
        { person: 'u:x', key: 'plan', value: '"pro"' },
        { person: 'u:x', key: 'seats', value: '3' },
      ])
    },
  )
})
