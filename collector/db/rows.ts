// What the state writes share: statements of bounded size, the order of writes,
// and how the rows of some actors are found.
import { sql, type RawBuilder } from 'kysely'

const CHUNK = 500

/** Rows in statements of at most 500 (PostgreSQL allows 65,535 parameters per statement). */
export const chunks = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK))

/** Whether write a came after b (none yet: it did): later by event time, then by receipt (METRICS.md). */
export const later = (a: { time: number; seq: number }, b: { time: number; seq: number } | null | undefined) => !b || a.time > b.time || (a.time == b.time && a.seq > b.seq)

/**
 * Where a row of firsts, activity or sessions is one of these actors' (of one project). Activity and
 * sessions are found through their actor index, which the condition names in a subquery: asked for
 * whole rows by `actor in (...)`, SQLite's planner scans the project's rows in primary-key order instead.
 */
export function ofActors(table: 'firsts' | 'activity' | 'sessions', project: string, actors: string[]): RawBuilder<boolean> {
  const list = sql.join(actors)
  if (table == 'firsts') return sql`project_id = ${project} and actor in (${list})`
  const [key, columns] = table == 'activity' ? [sql`(key, day, actor)`, sql`key, day, actor`] : [sql`session_id`, sql`session_id`]
  return sql`project_id = ${project} and ${key} in (select ${columns} from ${sql.table(table)} where project_id = ${project} and actor in (${list}))`
}
