import { sql } from 'kysely'
import { afterAll, describe, expect, test } from 'vitest'
import type { Db } from '../../../collector/db/index'
import { readColumns, readGroups } from '../../../collector/metrics/columns'
import { dialects, stopPostgres, useTestDb } from '../harness'

afterAll(() => stopPostgres())

describe.each(dialects)('rows read as columns on %s', (dialect) => {
  let db: Db
  useTestDb(dialect, (d) => (db = d))

  const persons = () => db.kysely.selectFrom('persons').select(['person', 'signup_time', 'account']).where('project_id', '=', 'saas')
  const insert = (rows: { person: string; signup_time: number; account: string | null }[]) =>
    db.kysely
      .insertInto('persons')
      .values(rows.map((r) => ({ project_id: 'saas', first_time: r.signup_time, ...r })))
      .execute()

  test('no rows are empty columns, not null', async () => {
    expect(await readColumns(db, persons(), ['person', 'signup_time', 'account'])).toEqual({ person: [], signup_time: [], account: [] })
  })

  test('each row is at one index of every column, nulls and numbers as they are stored', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ person: `u:${i}`, signup_time: 1_790_000_000_000 + i * 7, account: i % 3 ? `acct-"${i % 10}"` : null }))
    await insert(rows)
    const columns = await readColumns(db, persons(), ['person', 'signup_time', 'account'])
    const read = columns.person.map((person, i) => ({ person, signup_time: columns.signup_time[i], account: columns.account[i] }))
    expect(read.sort((a, b) => a.signup_time! - b.signup_time!)).toEqual(rows)
  })

  test('only the columns named are read', async () => {
    await insert([{ person: 'u:1', signup_time: 5, account: 'a' }])
    expect(await readColumns(db, persons(), ['signup_time'])).toEqual({ signup_time: [5] })
  })
  test('a column of JSON arrays is read as arrays, nulls kept', async () => {
    await insert([
      { person: 'u:1', signup_time: 5, account: 'a' },
      { person: 'u:2', signup_time: 6, account: null },
    ])
    const query = persons().select(db.jsonArray([sql`signup_time`, sql`account`, sql`null`]).as('values'))
    const columns = await readColumns(db, query, ['person', 'values'], ['values'])
    expect(columns.person.map((person, i) => [person, columns.values[i]]).sort()).toEqual([
      ['u:1', [5, 'a', null]],
      ['u:2', [6, null, null]],
    ])
  })

  test('rows grouped by a column: each value of it with the values of another as one array, none for no rows', async () => {
    expect(await readGroups(db, persons(), 'account', 'signup_time')).toEqual(new Map())
    await insert([
      { person: 'u:1', signup_time: 5, account: 'a' },
      { person: 'u:2', signup_time: 6, account: 'b' },
      { person: 'u:3', signup_time: 7, account: 'a' },
      { person: 'u:4', signup_time: 8, account: null },
    ])
    const groups = await readGroups(db, persons(), 'account', 'signup_time')
    expect(new Map([...groups].map(([account, times]) => [account, times.sort()]))).toEqual(
      new Map<string | null, number[]>([
        ['a', [5, 7]],
        ['b', [6]],
        [null, [8]],
      ]),
    )
  })
})
