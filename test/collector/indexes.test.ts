// The reads of raw events that must not scan them all, as SQLite plans them:
// its partial and expression indexes serve only a query that words their WHERE
// term or expression exactly as the index does (db/migrations.ts 008); and the
// statistics its plans rest on. Then the reads PostgreSQL answers from an index alone.
import { CompiledQuery, sql } from 'kysely'
import { afterAll, describe, expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import { deleteExpired } from '../../collector/db/persons'
import { afterUpgrade, NOW, stopPostgres, testApp, useTestDb } from './harness'

let db: Db
useTestDb('sqlite', (d) => (db = d))

/** The database whose every query is also kept, compiled, in `queries`. */
function recorded(on = db) {
  const queries: CompiledQuery[] = []
  const executor = on.kysely.getExecutor()
  const kysely = on.kysely.withPlugin({
    transformQuery: ({ node, queryId }) => (queries.push(executor.compileQuery(node, queryId)), node),
    transformResult: async ({ result }) => result,
  })
  return { db: { ...on, kysely }, queries }
}

/** The first recorded query that matches. */
function queryOf(queries: CompiledQuery[], which: RegExp) {
  const query = queries.find((q) => which.test(q.sql))!
  expect(query).toBeDefined()
  return query
}

/** SQLite's plan of the first recorded query that matches (by default, one on events), one step a line. */
async function planOf(queries: CompiledQuery[], which = /\bfrom "events"/) {
  const query = queryOf(queries, which)
  const { rows } = await db.kysely.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]))
  return rows.map((r) => r.detail).join('\n')
}

test('the retention sweep finds expired events through index events_hour', async () => {
  const { db: recording, queries } = recorded()
  await deleteExpired(recording, [{ id: 'demo', retentionDays: 30 }], NOW)
  expect(await planOf(queries)).toMatch(/USING INDEX events_hour \(project_id=\? AND <expr><\?\)/)
})

test('survey answers are read through the partial index events_named', async () => {
  const { db: recording, queries } = recorded()
  const res = await testApp(recording).request('/v1/metrics/satisfaction?from=2026-01-01&to=2026-02-01', { headers: { Authorization: 'Bearer rk_demo' } })
  expect(res.status).toBe(200)
  expect(await planOf(queries)).toMatch(/USING INDEX events_named \(project_id=\? AND event=\? AND event_time>\? AND event_time<\?\)/)
})

test('the engaged time of a window’s partial days is read through the partial index events_named', async () => {
  const { db: recording, queries } = recorded()
  const app = testApp(recording)
  // engagement on both sides of the window's start: that day's activity cannot tell, the events are read
  const engaged = (hour: number) => ({ type: 'track', messageId: `m-${hour}`, anonymousId: 'a', event: '$engagement', properties: { engagedMs: 1000 }, timestamp: `2026-01-01T${hour}:00:00Z` })
  const batch = await app.request('/v1/batch', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ writeKey: 'wk_demo', batch: [engaged(10), engaged(14)] }) })
  expect(batch.status).toBe(200)
  const res = await app.request('/v1/metrics/sessions?from=2026-01-01T12:00Z&to=2026-02-01', { headers: { Authorization: 'Bearer rk_demo' } })
  expect(res.status).toBe(200)
  expect(await res.json()).toMatchObject({ engagedTime: 1000 })
  expect(await planOf(queries, /\bfrom events as e indexed by events_named\b/)).toMatch(/SEARCH e USING INDEX events_named \(project_id=\? AND event=\? AND event_time>\? AND event_time<\?\)/)
})

test('health reads the account traits it needs from the covering index traits_value, not row by row from the table', async () => {
  const { db: recording, queries } = recorded()
  const res = await testApp(recording).request('/v1/metrics/health?from=2026-01-01&to=2026-02-01', { headers: { Authorization: 'Bearer rk_demo' } })
  expect(res.status).toBe(200)
  expect(await planOf(queries, /^select "t"."subject"/)).toMatch(/^SEARCH t USING COVERING INDEX traits_value \(project_id=\? AND kind=\? AND key=\?\)$/)
})

test('with the statistics of an approximate ANALYZE, persons, their traits and a cohort’s first times are read from their indexes alone, and persons looked up by number', async () => {
  // `pragma optimize` reads ~1,000 rows of each index, and then rates project_id = ? as a few rows
  const persons = Array.from({ length: 3000 }, (_, i) => ({ project_id: 'demo', person: `a:${i}`, first_time: i, signup_time: i }))
  for (let i = 0; i < persons.length; i += 500) await db.kysely.insertInto('persons').values(persons.slice(i, i + 500)).execute()
  await sql`pragma analysis_limit = 1000`.execute(db.kysely)
  await sql`analyze`.execute(db.kysely)
  const { rows } = await sql<{ stat: string }>`select stat from sqlite_stat1 where idx = 'persons_first'`.execute(db.kysely)
  expect(rows).toEqual([{ stat: '3000 1001 1 1' }])

  const { db: recording, queries } = recorded()
  const res = await testApp(recording).request('/v1/metrics/health?from=2026-01-01&to=2026-02-01', { headers: { Authorization: 'Bearer rk_demo' } })
  expect(res.status).toBe(200)
  expect(await planOf(queries, /^select "pid", "account" from "persons"/)).toBe('SEARCH persons USING COVERING INDEX persons_first (project_id=? AND first_time<?)')
  expect(await planOf(queries, /^select "pid", case "key" .* from "person_traits"/)).toBe('SEARCH person_traits USING COVERING INDEX person_traits_key (project_id=? AND key=?)')

  // a signup cohort's first times, a key at a time over its range of numbers
  for (let i = 0; i < persons.length; i += 500) await db.kysely.insertInto('persons').values(persons.slice(i, i + 500).map((p) => ({ ...p, project_id: 'saas' }))).execute()
  const numbers = await db.kysely.selectFrom('persons').select(['pid', 'person']).where('project_id', '=', 'saas').execute()
  const firsts = numbers.map(({ pid, person }) => ({ project_id: 'saas', actor: person, key: 'action', time: pid, pid }))
  for (let i = 0; i < firsts.length; i += 500) await db.kysely.insertInto('firsts').values(firsts.slice(i, i + 500)).execute()
  await sql`analyze`.execute(db.kysely)
  const cohort = await testApp(recording).request('/v1/metrics/ttv?from=0&to=3000', { headers: { Authorization: 'Bearer rk_saas' } })
  expect(cohort.status).toBe(200)
  expect(await planOf(queries, /^select "pid", case "key" .* from "firsts"/)).toBe('SEARCH firsts USING COVERING INDEX firsts_key (project_id=? AND key=? AND pid>? AND pid<?)')

  const { numbered } = await import('../../collector/db/people')
  const lookup = numbered(db.kysely, 'sqlite', 'demo', [1, 2, 3]).select('person').compile()
  const { rows: plan } = await db.kysely.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${lookup.sql}`, [...lookup.parameters]))
  expect(plan.map((r) => r.detail)).toEqual(['SEARCH persons USING INTEGER PRIMARY KEY (rowid=?)'])
})

test('a re-link merges the traits of its two persons from their actors, found through the persons, also without statistics', async () => {
  const { db: recording, queries } = recorded()
  const app = testApp(recording)
  const identify = (anonymousId: string, userId: string, plan: string) => ({ type: 'identify', messageId: `m-${anonymousId}-${userId}`, anonymousId, userId, traits: { plan }, timestamp: '2026-01-02T00:00:00Z' })
  for (const batch of [[identify('phone', 'x', 'free')], [identify('phone', 'y', 'pro')]])
    expect((await app.request('/v1/batch', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ writeKey: 'wk_demo', batch }) })).status).toBe(200)
  expect(await planOf(queries, /^select "pid", "person" from "persons" where \+project_id/)).toBe('SEARCH persons USING INTEGER PRIMARY KEY (rowid=?)')
  expect(await planOf(queries, /^select "actor", "person" from "actors" where "project_id" = \? and "person" in/)).toBe('SEARCH actors USING COVERING INDEX actors_person (project_id=? AND person=?)')
  expect(await planOf(queries, /^select "subject", "key", "value", "time", "seq" from "traits"/)).toBe('SEARCH traits USING PRIMARY KEY (project_id=? AND kind=? AND subject=?)')
})

test('after a migration the planner’s statistics are exact, also of a table it rebuilt', async () => {
  await afterUpgrade(
    '2026-12-07-008-events-indexes-written-in-order',
    async (old) => {
      // more persons than an approximate ANALYZE reads (analysis_limit = 1000): it would say 1,001 a project
      const persons = Array.from({ length: 3000 }, (_, i) => ({ project_id: 'saas', person: `a:${i}`, first_time: i, signup_time: i }))
      for (let i = 0; i < persons.length; i += 500) await old.insertInto('persons').values(persons.slice(i, i + 500)).execute()
    },
    async (db) => {
      // migration 009 rebuilt persons on SQLite
      const stats = await sql<{ idx: string; stat: string }>`select idx, stat from sqlite_stat1 where tbl = 'persons' order by idx`.execute(db.kysely)
      expect(stats.rows).toEqual([
        { idx: 'persons_first', stat: '3000 3000 1 1' },
        { idx: 'persons_person', stat: '3000 3000 1' },
        { idx: 'persons_signup', stat: '3000 3000 1' },
      ])
    },
  )
})

describe('on PostgreSQL', () => {
  let pg: Db
  afterAll(() => stopPostgres()) // after the suite's database is closed (after hooks run last first)
  useTestDb('postgres', (d) => (pg = d))

  /** PostgreSQL's plan of the first recorded query that matches, as it plans a table too large to read whole. */
  async function pgPlanOf(queries: CompiledQuery[], which: RegExp) {
    const query = queryOf(queries, which)
    return pg.kysely.connection().execute(async (connection) => {
      await sql`set enable_seqscan = off`.execute(connection)
      await sql`set enable_bitmapscan = off`.execute(connection)
      try {
        const { rows } = await connection.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (costs off) ${query.sql}`, [...query.parameters]))
        return rows.map((r) => r['QUERY PLAN']).join('\n')
      } finally {
        await sql`reset all`.execute(connection)
      }
    })
  }

  test('a month’s activity by day and a signup cohort’s persons are read from their indexes alone (migration 014)', async () => {
    const { db: recording, queries } = recorded(pg)
    const app = testApp(recording)
    const batch = Array.from({ length: 20 }, (_, i) => ({
      type: 'track',
      messageId: `m-${i}`,
      userId: `u${i % 5}`,
      event: 'Report Shared',
      timestamp: new Date(NOW - (i + 1) * 86_400_000).toISOString(),
      context: { traits: { createdAt: new Date(NOW - 20 * 86_400_000).toISOString() } },
    }))
    const res = await app.request('/v1/batch', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ writeKey: 'wk_demo', batch }) })
    expect(res.status, await res.text()).toBe(200)
    await sql`vacuum analyze`.execute(pg.kysely) // the visibility map, that lets an index alone answer
    const window = `from=${NOW - 30 * 86_400_000}&to=${NOW}`
    for (const metric of ['health', 'retention']) {
      const answer = await app.request(`/v1/metrics/${metric}?${window}`, { headers: { Authorization: 'Bearer rk_demo' } })
      expect(answer.status, await answer.text()).toBe(200)
    }
    expect(await pgPlanOf(queries, /\(select "day", "pid" from "activity" where/)).toMatch(/Index Only Scan using activity_pk on activity/)
    expect(await pgPlanOf(queries, /from "persons" as "p" where .*"p"\."signup_time" >= /)).toMatch(/Index Only Scan using persons_signup on persons/)
  })
})
