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

  test('writes as many rows as it is given, one statement text per row count, the upsert as Kysely builds it once', async () => {
    let built = 0
    await db.kysely.transaction().execute(async (trx) => {
      for (const rows of [[trait('a', '"free"', 1)], [trait('b', '"free"', 1), trait('c', '"pro"', 1), trait('a', '"pro"', 2)], [trait('a', '"old"', 0)]])
        await insertRows(db, trx, 'test-traits', rows, (values) =>
          (built++, trx)
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
    expect(built).toBe(1) // for one row, then its VALUES tuple repeated
  })

  test('writes more rows than one statement holds, in statements of bounded size, and returns what all of them return', async () => {
    const rows = Array.from({ length: 1201 }, (_, i) => trait(`s${String(i).padStart(4, '0')}`, '"free"', 1))
    let statements = 0
    const returned = await db.kysely.transaction().execute((trx) => {
      const execute = trx.executeQuery.bind(trx)
      trx.executeQuery = ((query) => (statements++, execute(query))) as typeof trx.executeQuery
      return insertRows(db, trx, 'test-traits-many', rows, (values) => trx.insertInto('traits').values(values).onConflict((oc) => oc.doNothing()).returning('subject'))
    })
    expect(statements).toBe(3) // 500, 500 and 201 rows
    expect(returned.map((r) => r.subject).sort()).toEqual(rows.map((r) => r.subject))
    expect(Number((await db.kysely.selectFrom('traits').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(1201)
  })

  test('builds the whole statement with Kysely when it holds values besides the rows', async () => {
    let built = 0
    await db.kysely.transaction().execute(async (trx) => {
      for (const rows of [[trait('a', '"free"', 5)], [trait('a', '"pro"', 6), trait('b', '"pro"', 6)]])
        await insertRows(db, trx, 'test-traits-valued', rows, (values) =>
          (built++, trx)
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
    expect(built).toBe(3) // the one-row try, then each statement whole
  })
})
