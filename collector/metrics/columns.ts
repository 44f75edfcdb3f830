// Many rows read as few values: a query's rows come back as one row of JSON
// arrays, a column each, that the database builds and JSON.parse reads. A value
// per row handed to JavaScript costs about 1 µs a row, whatever the columns
// (better-sqlite3 builds an object, pg parses a message): at 1M events, 110 ms
// for the 100,000 persons of bench/metrics.mjs, 62 ms for a month's 75,000 rows
// of activity; as arrays, 36 and 16 ms.
import { sql, type Expression, type SelectQueryBuilder } from 'kysely'
import type { Db } from '../db/index'

export type Columns<R> = { [K in keyof R]: R[K][] }

/**
 * The query's rows as columns, in no order. The arrays of one query are aligned:
 * each is an aggregate of the same rows, and both databases feed a row to every aggregate in turn.
 * A column named in `json` holds JSON (db.jsonArray's): read as the values it holds, not as text.
 */
export async function readColumns<R extends object>(db: Db, query: SelectQueryBuilder<any, any, R>, names: (keyof R & string)[], json: (keyof R & string)[] = []): Promise<Columns<R>> {
  const row = (await db.kysely
    .selectFrom(query.as('r'))
    .select(names.map((name) => arrayOf(db, sql.ref(`r.${name}`), json.includes(name)).as(name)))
    .executeTakeFirstOrThrow()) as Record<string, unknown>
  return Object.fromEntries(names.map((name) => [name, parseArray(row[name])])) as Columns<R>
}

/**
 * The query's rows grouped by the column `by`: for each of its values, the column `name`'s values as one
 * array, in no order. Where the rows come in `by`'s order, nothing is sorted: a month's activity by day
 * (75,000 rows at 1M events, bench/metrics.mjs) took 12 ms read as day and person columns, 9 grouped.
 */
export async function readGroups<R extends object, B extends keyof R & string, N extends keyof R & string>(
  db: Db,
  query: SelectQueryBuilder<any, any, R>,
  by: B,
  name: N,
): Promise<Map<R[B], R[N][]>> {
  const rows = (await db.kysely
    .selectFrom(query.as('r'))
    .select([sql.ref(`r.${by}`).as('by'), arrayOf(db, sql.ref(`r.${name}`)).as('values')])
    .groupBy(sql.ref(`r.${by}`))
    .execute()) as { by: R[B]; values: unknown }[]
  return new Map(rows.map((row) => [row.by, parseArray(row.values) as R[N][]]))
}

/** An aggregate: a column's values over the rows, as one JSON array (parseArray reads it). A column holding JSON (db.jsonArray's) goes in as its values, not as text. */
export function arrayOf(db: Db, column: Expression<unknown>, json = false) {
  if (db.dialect == 'postgres') return sql`json_agg(${column})` // a json column's values go in as JSON
  return sql`json_group_array(${json ? sql`json(${column})` : column})` // a subquery's JSON reaches SQLite as text
}

/** SQLite answers text; pg parses json itself, and json_agg of no rows is null. */
export const parseArray = (value: unknown): unknown[] => (typeof value == 'string' ? JSON.parse(value) : ((value as unknown[] | null) ?? []))
