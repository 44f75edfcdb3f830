// Who was active when, from the activity table: per actor, UTC day and key, the
// first and last event time of that day, and the actor's person. An actor has an
// event in [a, b) of a day if its first or last time falls inside; it has none if
// both fall on one side. Only when [a, b) lies strictly between them (a range
// strictly inside one day, which windows and zones not aligned to UTC days
// produce) the events are asked.
import type { Db } from '../db/index'
import { activityKeys } from '../db/ingest'
import type { ActivityTable } from '../db/schema'
import { everyone, type Persons } from './population'
import { DAY } from './time'

export type Range = [from: number, to: number]
export type ActivityRow = Pick<ActivityTable, 'key' | 'day' | 'actor' | 'person' | 'first_time' | 'last_time'>

/**
 * The rows of the keys (`''`: any event) on the UTC days that [from, to) touches (or on every
 * day), of the persons who signed up in `signup` when given (the database keeps the others out).
 */
export function loadActivity(db: Db, project: string, keys: string[], range?: Range, signup?: Range): Promise<ActivityRow[]> {
  let query = db.kysely
    .selectFrom('activity as x')
    .select(['x.key', 'x.day', 'x.actor', 'x.person', 'x.first_time', 'x.last_time'])
    .where('x.project_id', '=', project)
    .where('x.key', 'in', keys)
  if (range) query = query.where('x.day', '>=', Math.floor(range[0] / DAY)).where('x.day', '<=', Math.floor((range[1] - 1) / DAY))
  if (signup)
    query = query
      .innerJoin('persons as p', (join) => join.onRef('p.project_id', '=', 'x.project_id').onRef('p.person', '=', 'x.person'))
      .where('p.signup_time', '>=', signup[0])
      .where('p.signup_time', '<', signup[1])
  return query.execute()
}

/** Whether the row's actor had an event in [a, b) of the row's day: true, false, or undefined when only the events can tell. */
function inside(row: ActivityRow, a: number, b: number): boolean | undefined {
  if (row.last_time < a || row.first_time >= b) return false
  if (row.first_time >= a || row.last_time < b) return true
  return undefined
}

/** For each range, the persons who count with an event of one of the keys in it. */
export async function activeSets(db: Db, project: string, persons: Persons, keys: string[], ranges: Range[], signup?: Range): Promise<Set<string>[]> {
  const sets = ranges.map(() => new Set<string>())
  if (!ranges.length) return sets
  const rows = await loadActivity(db, project, keys, [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))], signup)
  const byDay = new Map<number, ActivityRow[]>()
  for (const row of rows) {
    const list = byDay.get(row.day)
    if (list) list.push(row)
    else byDay.set(row.day, [row])
  }
  const unsure: { set: Set<string>; person: string; actor: string; range: Range }[] = []
  ranges.forEach(([a, b], i) => {
    const set = sets[i]!
    for (let day = Math.floor(a / DAY); day * DAY < b; day++)
      for (const row of byDay.get(day) ?? []) {
        if (set.has(row.person) || !persons.has(row.person)) continue
        const answer = inside(row, a, b)
        if (answer) set.add(row.person)
        else if (answer === undefined) unsure.push({ set, person: row.person, actor: row.actor, range: [a, b] })
      }
  })
  for (const u of unsure) if (!u.set.has(u.person) && (await firstEvent(db, project, u.actor, keys, u.range)) != null) u.set.add(u.person)
  return sets
}

/** A range strictly inside one UTC day: an actor's first and last time that day may both lie outside it with events between. */
const withinDay = ([a, b]: Range) => a % DAY != 0 && b % DAY != 0 && Math.floor(a / DAY) == Math.floor(b / DAY)

/**
 * For each range, how many persons count with an event of one of the keys in it: as the sizes of
 * activeSets, but counted by the database when everyone counts (no person is loaded).
 */
export async function activeCounts(db: Db, project: string, persons: Persons, keys: string[], ranges: Range[]): Promise<number[]> {
  if (persons != everyone || ranges.some(withinDay)) return (await activeSets(db, project, persons, keys, ranges)).map((s) => s.size)
  return Promise.all(
    ranges.map(async ([a, b]) => {
      const row = await db.kysely
        .selectFrom('activity')
        .select((eb) => eb.fn.count<number>('person').distinct().as('count'))
        .where('project_id', '=', project)
        .where('key', 'in', keys)
        .where('day', '>=', Math.floor(a / DAY))
        .where('day', '<=', Math.floor((b - 1) / DAY))
        .where('last_time', '>=', a)
        .where('first_time', '<', b)
        .executeTakeFirstOrThrow()
      return Number(row.count)
    }),
  )
}

/** The earliest event time of the actor's events of the keys in [a, b), read from the events themselves. */
export async function firstEvent(db: Db, project: string, actor: string, keys: string[], [a, b]: Range): Promise<number | null> {
  const events = await db.kysely
    .selectFrom('events')
    .select(['type', 'event', 'message', 'event_time'])
    .where('project_id', '=', project)
    .where('actor', '=', actor)
    .where('event_time', '>=', a)
    .where('event_time', '<', b)
    .orderBy('event_time')
    .execute()
  const wanted = new Set(keys)
  const match = events.find(
    (e) => activityKeys({ type: e.type, event: e.event, properties: (JSON.parse(e.message) as { properties?: Record<string, unknown> }).properties }).some((k) => wanted.has(k)),
  )
  return match?.event_time ?? null
}

/** The earliest time at or after t among the rows (one person's, of some keys), asking the events where a day cannot tell. */
export async function firstAtOrAfter(db: Db, project: string, rows: ActivityRow[], keys: string[], t: number): Promise<number | null> {
  let best: number | null = null
  const unsure: ActivityRow[] = []
  for (const row of rows) {
    if (row.last_time < t) continue
    if (row.first_time >= t) best = best == null ? row.first_time : Math.min(best, row.first_time)
    else unsure.push(row)
  }
  for (const row of unsure) {
    const end = (row.day + 1) * DAY
    const found = await firstEvent(db, project, row.actor, keys, [t, best == null ? end : Math.min(end, best)])
    if (found != null) best = best == null ? found : Math.min(best, found)
  }
  return best
}
