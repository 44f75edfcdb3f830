// What the state writes share: statements of bounded size, built cheaply, the
// order of writes, and how the rows of some actors are found.
import { CompiledQuery, sql, type Compilable, type RawBuilder, type Transaction } from 'kysely'
import type { Db } from './index'
import type { Tables } from './schema'

const CHUNK = 500

/** Rows in statements of at most 500 (PostgreSQL allows 65,535 parameters per statement). */
export const chunks = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK))

/** Whether write a came after b (none yet: it did): later by event time, then by receipt (METRICS.md). */
export const later = (a: { time: number; seq: number }, b: { time: number; seq: number } | null | undefined) => !b || a.time > b.time || (a.time == b.time && a.seq > b.seq)

/**
 * Where a row of firsts, activity or sessions is one of these actors' (of one project), and of these keys
 * when given (firsts, activity). Activity and sessions are found through their actor index, which the
 * condition names in a subquery: asked for whole rows by `actor in (...)`, SQLite's planner scans the
 * project's rows in primary-key order instead. The keys narrow the subquery, so that only the rows asked
 * for are looked up: onboarding's 1,168 rows of 506 actors took 20 ms when all their days were.
 */
export function ofActors(table: 'firsts' | 'activity' | 'sessions', project: string, actors: string[], keys?: string[]): RawBuilder<boolean> {
  const list = sql`actor in (${sql.join(actors)})${keys ? sql` and key in (${sql.join(keys)})` : sql``}`
  if (table == 'firsts') return sql`project_id = ${project} and ${list}`
  const [key, columns] = table == 'activity' ? [sql`(key, day, actor)`, sql`key, day, actor`] : [sql`session_id`, sql`session_id`]
  return sql`project_id = ${project} and ${key} in (select ${columns} from ${sql.table(table)} where project_id = ${project} and ${list})`
}

/** Statement texts by shape and row count: SQLite then reuses its prepared statements too. */
const texts = new Map<string, string>()
const TEXTS = 512
/** Per statement and dialect, the statement Kysely builds for one row, split around its VALUES tuple. */
const templates = new Map<string, { head: string; tuple: string; tail: string; columns: string[] } | null>()

/**
 * Multi-row INSERTs (upserts) of `rows`, a statement per chunk of them, in their order, as `build`
 * writes it with Kysely, without Kysely building a node for each value: ~3 µs a row for 13 columns,
 * a sixth of a write (bench/ingest.mjs --profile). `build` is compiled once per `name` and dialect,
 * for one row, and its VALUES tuple repeated per row; so it must take its values from the rows alone
 * (refs and SQL in the rest of the statement, no values). Resolves with what all of them return.
 */
export async function insertRows<T extends object, R>(db: Db, trx: Transaction<Tables>, name: string, rows: T[], build: (rows: T[]) => Compilable<R>): Promise<R[]> {
  const out: R[] = []
  for (const chunk of chunks(rows)) out.push(...(await insertChunk(db, trx, name, chunk, build)))
  return out
}

async function insertChunk<T extends object, R>(db: Db, trx: Transaction<Tables>, name: string, rows: T[], build: (rows: T[]) => Compilable<R>): Promise<R[]> {
  const key = `${db.dialect}\u0000${name}`
  let template = templates.get(key)
  if (template === undefined) {
    const one = build(rows.slice(0, 1)).compile()
    const columns = Object.keys(rows[0]!)
    const start = one.sql.indexOf(' values (') + 8
    const end = one.sql.indexOf(')', start) + 1
    const tuple = one.sql.slice(start, end)
    // the placeholders of one row's values, and no others: else build it whole, every time
    const placeholders = tuple.split(', ').length == columns.length && one.parameters.length == columns.length
    templates.set(key, (template = start > 8 && placeholders ? { head: one.sql.slice(0, start), tuple, tail: one.sql.slice(end), columns } : null))
  }
  if (!template) return (await trx.executeQuery(build(rows).compile())).rows
  const { head, tuple, tail, columns } = template
  const textKey = `${key}\u0000${rows.length}`
  let text = texts.get(textKey)
  if (!text) {
    let n = 0
    const next = db.dialect == 'postgres' ? () => `($${columns.map(() => ++n).join(', $')})` : () => tuple
    text = `${head}${rows.map(next).join(', ')}${tail}`
    if (texts.size >= TEXTS) texts.delete(texts.keys().next().value!)
    texts.set(textKey, text)
  }
  const parameters: unknown[] = []
  for (const row of rows) for (const column of columns) parameters.push(row[column as keyof T])
  return (await trx.executeQuery(CompiledQuery.raw(text, parameters))).rows as R[]
}
