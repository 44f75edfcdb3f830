// The reads of raw events that must not scan them all, as SQLite plans them:
// its partial and expression indexes serve only a query that words their WHERE
// term or expression exactly as the index does (db/migrations.ts 008).
import { CompiledQuery } from 'kysely'
import { expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import { deleteExpired } from '../../collector/db/persons'
import { NOW, testApp, useTestDb } from './harness'

let db: Db
useTestDb('sqlite', (d) => (db = d))

/** `db` whose every query is also kept, compiled, in `queries`. */
function recorded() {
  const queries: CompiledQuery[] = []
  const executor = db.kysely.getExecutor()
  const kysely = db.kysely.withPlugin({
    transformQuery: ({ node, queryId }) => (queries.push(executor.compileQuery(node, queryId)), node),
    transformResult: async ({ result }) => result,
  })
  return { db: { ...db, kysely }, queries }
}

/** SQLite's plan of the first recorded query on events, one step a line. */
async function planOfEvents(queries: CompiledQuery[]) {
  const query = queries.find((q) => /\bfrom "events"/.test(q.sql))!
  expect(query).toBeDefined()
  const { rows } = await db.kysely.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]))
  return rows.map((r) => r.detail).join('\n')
}

test('the retention sweep finds expired events through index events_hour', async () => {
  const { db: recording, queries } = recorded()
  await deleteExpired(recording, [{ id: 'demo', retentionDays: 30 }], NOW)
  expect(await planOfEvents(queries)).toMatch(/USING INDEX events_hour \(project_id=\? AND <expr><\?\)/)
})

test('survey answers are read through the partial index events_named', async () => {
  const { db: recording, queries } = recorded()
  const res = await testApp(recording).request('/v1/metrics/satisfaction?from=2026-01-01&to=2026-02-01', { headers: { Authorization: 'Bearer rk_demo' } })
  expect(res.status).toBe(200)
  expect(await planOfEvents(queries)).toMatch(/USING INDEX events_named \(project_id=\? AND event=\? AND event_time>\? AND event_time<\?\)/)
})

test('the engaged time of a window’s partial days is read through the partial index events_named', async () => {
  const { db: recording, queries } = recorded()
  const res = await testApp(recording).request('/v1/metrics/sessions?from=2026-01-01T12:00Z&to=2026-02-01', { headers: { Authorization: 'Bearer rk_demo' } })
  expect(res.status).toBe(200)
  expect(await planOfEvents(queries)).toMatch(/SEARCH e USING INDEX events_named \(project_id=\? AND event=\? AND event_time>\? AND event_time<\?\)/)
})
