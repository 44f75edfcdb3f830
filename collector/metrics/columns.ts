// Many rows read as few values: a query's rows come back as one row of JSON
// arrays, a column each, that the database builds and JSON.parse reads. A value
// per row handed to JavaScript costs about 1 µs a row, whatever the columns
// (better-sqlite3 builds an object, pg parses a message): at 1M events, 110 ms
// for the 100,000 persons of bench/metrics.mjs, 62 ms for a month's 75,000 rows
// of activity; as arrays, 36 and 16 ms.
import { sql, type SelectQueryBuilder } from 'kysely'
import type { Db } from '../db/index'

export type Columns<R> = { [K in keyof R]: R[K][] }

/**
 * The query's rows as columns, in no order. The arrays of one query are aligned:
 * each is an aggregate of the same rows, and both databases feed a row to every aggregate in turn.
 */
export async function readColumns<R extends object>(db: Db, query: SelectQueryBuilder<any, any, R>, names: (keyof R & string)[]): Promise<Columns<R>> {
  const array = (name: string) => (db.dialect == 'sqlite' ? sql`json_group_array(${sql.ref(`r.${name}`)})` : sql`json_agg(${sql.ref(`r.${name}`)})`)
  const row = (await db.kysely
    .selectFrom(query.as('r'))
    .select(names.map((name) => array(name).as(name)))
    .executeTakeFirstOrThrow()) as Record<string, unknown>
  // SQLite answers text; pg parses json itself, and json_agg of no rows is null
  return Object.fromEntries(names.map((name) => [name, typeof row[name] == 'string' ? JSON.parse(row[name]) : (row[name] ?? [])])) as Columns<R>
}
