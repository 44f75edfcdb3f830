import { sql } from 'kysely'
import { afterAll, describe, expect, test } from 'vitest'
import { insertRows } from '../../collector/db/rows'
import { dialects, stopPostgres, useTestDb } from './harness'
import type { Db } from '../../collector/db/index'

afterAll(() => stopPostgres())

describe.each(dialects)('insertRows on %s', (dialect) => {
  let db: Db
  useTestDb(dialect, (d) => (db = d))
  const trait = (subject: string, value: string, time: number) => ({ project_id: 'p', kind: 'person' as const, subject, key: 'plan', value, time, seq: 1 })

  test('writes as many rows as it is given, one statement text per row count, the upsert as Kysely builds it', async () => {
    await db.kysely.transaction().execute(async (trx) => {
      for (const rows of [[trait('a', '"free"', 1)], [trait('b', '"free"', 1), trait('c', '"pro"', 1), trait('a', '"pro"', 2)], [trait('a', '"old"', 0)]])
        await insertRows(db, trx, 'test-traits', rows, (values) =>
          trx
            .insertInto('traits')
            .values(values)
            .onConflict((oc) => oc.columns(['project_id', 'kind', 'subject', 'key']).doUpdateSet({ value: sql.ref('excluded.value'), time: sql.ref('excluded.time') }).where(sql<boolean>`excluded.time > traits.time`)),
        )
    })
    const rows = await db.kysely.selectFrom('traits').select(['subject', 'value']).orderBy('subject').execute()
    expect(rows).toEqual([
      { subject: 'a', value: '"pro"' },
      { subject: 'b', value: '"free"' },
      { subject: 'c', value: '"pro"' },
    ])
  })

  test('builds the whole statement with Kysely when it holds values besides the rows', async () => {
    await db.kysely.transaction().execute(async (trx) => {
      for (const rows of [[trait('a', '"free"', 5)], [trait('a', '"pro"', 6), trait('b', '"pro"', 6)]])
        await insertRows(db, trx, 'test-traits-valued', rows, (values) =>
          trx
            .insertInto('traits')
            .values(values)
            .onConflict((oc) => oc.columns(['project_id', 'kind', 'subject', 'key']).doUpdateSet({ value: sql`${'"fixed"'}` })),
        )
    })
    const rows = await db.kysely.selectFrom('traits').select(['subject', 'value']).orderBy('subject').execute()
    expect(rows).toEqual([
      { subject: 'a', value: '"fixed"' },
      { subject: 'b', value: '"pro"' },
    ])
  })
})
