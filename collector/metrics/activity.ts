// Who was active when, from the activity table: per actor, UTC day and key, the
// first and last event time of that day, and the number of the actor's person. An actor has an
// event in [a, b) of a day if its first or last time falls inside; it has none if
// both fall on one side. Only when [a, b) lies strictly between them (a range
// strictly inside one day, which windows and zones not aligned to UTC days
// produce) the events are asked.
import { sql, type SelectQueryBuilder } from 'kysely'
import type { Db } from '../db/index'
import { chunks } from '../db/rows'
import { activityKeys, eventOfKey, KEY_PROPERTIES } from '../db/ingest'
import type { ActivityTable, Tables } from '../db/schema'
import { readColumns, readGroups } from './columns'
import { distinctCounts, everyone, type Persons } from './population'
import { DAY } from './time'

export type Range = [from: number, to: number]
export type ActivityRow = Pick<ActivityTable, 'key' | 'day' | 'actor' | 'pid' | 'first_time' | 'last_time'>

/**
 * Who was active on the UTC days that the ranges touch, with an event of the keys (`''`: any event). A range
 * holds all of a day or none of it, except on a day that a range starts or ends inside: there inside() needs
 * each row's actor and times. So the persons of the other days are read as a list per day, and only the
 * rows of those days whole.
 */
async function loadActivity(db: Db, project: string, keys: string[], ranges: Range[]) {
  const cutDays = [...new Set(ranges.flat().filter((t) => t % DAY != 0).map((t) => Math.floor(t / DAY)))]
  const rows = db.kysely
    .selectFrom('activity')
    .where('project_id', '=', project)
    .where('key', 'in', keys)
    .where('day', '>=', Math.floor(Math.min(...ranges.map((r) => r[0])) / DAY))
    .where('day', '<=', Math.floor((Math.max(...ranges.map((r) => r[1])) - 1) / DAY))
  const [whole, cut] = await Promise.all([
    readGroups(db, rows.select(['day', 'pid']).$if(cutDays.length > 0, (q) => q.where('day', 'not in', cutDays)), 'day', 'pid'),
    cutDays.length
      ? readColumns(db, rows.select(['day', 'pid', 'actor', 'first_time', 'last_time']).where('day', 'in', cutDays), ['day', 'pid', 'actor', 'first_time', 'last_time'])
      : null,
  ])
  return { whole, cut }
}

/** Whether an actor whose first and last event of a day were at these times had an event in [a, b) of that day: true, false, or undefined when only the events can tell. */
function inside(first: number, last: number, a: number, b: number): boolean | undefined {
  if (last < a || first >= b) return false
  if (first >= a || last < b) return true
  return undefined
}

/**
 * For each range, the numbers of the persons who count with an event of one of the keys in it, a person
 * as often as its actors and days were active. The rows of everyone are read and filtered here: cheaper
 * than asking the database to look each row's person up (retention's cohorts). Lists, not Sets: health
 * counts a month's days per subject, and filling a Set a day cost it ~3 ms at 1M events (bench/metrics.mjs).
 */
export async function activeLists(db: Db, project: string, persons: Persons, keys: string[], ranges: Range[]): Promise<number[][]> {
  const lists = ranges.map((): number[] => [])
  if (!ranges.length) return lists
  const { whole, cut } = await loadActivity(db, project, keys, ranges)
  const cutRows = new Map<number, number[]>() // by day, row indexes
  cut?.day.forEach((day, i) => {
    const list = cutRows.get(day)
    if (list) list.push(i)
    else cutRows.set(day, [i])
  })
  const unsure: { list: number[]; pid: number; actor: string; range: Range }[] = []
  ranges.forEach(([a, b], i) => {
    const list = lists[i]!
    for (let day = Math.floor(a / DAY); day * DAY < b; day++) {
      for (const pid of whole.get(day) ?? []) if (persons.has(pid)) list.push(pid)
      for (const row of cutRows.get(day) ?? []) {
        const pid = cut!.pid[row]!
        if (!persons.has(pid)) continue
        const answer = inside(cut!.first_time[row]!, cut!.last_time[row]!, a, b)
        if (answer) list.push(pid)
        else if (answer === undefined) unsure.push({ list, pid, actor: cut!.actor[row]!, range: [a, b] })
      }
    }
  })
  // the events are asked only of those not yet known active in the range (a range strictly inside a day has such rows)
  const known = new Map<number[], Set<number>>() // the persons of each list asked about
  const held = (list: number[]) => known.get(list) ?? known.set(list, new Set(list)).get(list)!
  const asks = unsure.filter(({ list, pid }) => !held(list).has(pid))
  const found = await firstEvents(db, project, asks.map((u) => ({ actor: u.actor, keys, range: u.range })))
  asks.forEach((u, i) => found[i] != null && u.list.push(u.pid))
  return lists
}

/** A range strictly inside one UTC day: an actor's first and last time that day may both lie outside it with events between. */
const withinDay = ([a, b]: Range) => a % DAY != 0 && b % DAY != 0 && Math.floor(a / DAY) == Math.floor(b / DAY)

/**
 * For each range, how many persons count with an event of one of the keys in it: the sizes of
 * activeSets, or, for one range of everyone, counted without loading persons. Many ranges are read
 * once: sessions asks the month's days, its last week and the month, which counted one by one read
 * each day three times.
 */
export async function activeCounts(db: Db, project: string, persons: Persons, keys: string[], ranges: Range[]): Promise<number[]> {
  if (persons != everyone || ranges.length > 1 || ranges.some(withinDay)) return distinctCounts(await activeLists(db, project, persons, keys, ranges))
  return Promise.all(
    ranges.map(([a, b]) =>
      countPersons(
        db,
        db.kysely
          .selectFrom('activity')
          .where('project_id', '=', project)
          .where('key', 'in', keys)
          .where('day', '>=', Math.floor(a / DAY))
          .where('day', '<=', Math.floor((b - 1) / DAY))
          .where('last_time', '>=', a)
          .where('first_time', '<', b),
      ),
    ),
  )
}

/**
 * How many distinct persons the rows name: their numbers read as one column and counted here. At 1M
 * events (bench/metrics.mjs), the 91,000 sessions of a month: 27 ms grouped by the database (which
 * sorts them), 8 ms read. (Grouping had replaced count(distinct), which SQLite answers by inserting
 * each row's person into a B-tree.)
 */
async function countPersons(db: Db, rows: SelectQueryBuilder<Tables, 'activity', object>): Promise<number> {
  const { pid } = await readColumns(db, rows.select(sql.ref<number>('pid').as('pid')).where(sql.ref('pid'), 'is not', null), ['pid'])
  return distinctCounts([pid])[0]!
}

/** An actor's events of some keys in a range. */
export interface Lookup {
  actor: string
  keys: string[]
  range: Range
}

/**
 * The one property of an event that its keys name (KEY_PROPERTIES), taken out of the message by the database:
 * reading and parsing whole messages here took half of onboarding on a day of 200,000 events (bench:ingest's traffic).
 */
const keyProperty = (db: Db) =>
  sql<string | null>`case event ${sql.join(
    [...KEY_PROPERTIES].map(([event, name]) => sql`when ${event} then ${db.jsonString('message', ['properties', name])}`),
    sql` `,
  )} end`

/**
 * For each lookup, the earliest time of the actor's events of the keys in the range (or null), read
 * from the events themselves: one query per chunk of lookups (sorted by range, so that a chunk reads
 * a short stretch of time), not one per lookup.
 */
export async function firstEvents(db: Db, project: string, lookups: Lookup[]): Promise<(number | null)[]> {
  const found: (number | null)[] = lookups.map(() => null)
  const order = lookups.map((_, i) => i).sort((i, j) => lookups[i]!.range[0] - lookups[j]!.range[0])
  for (const chunk of chunks(order)) {
    // only the events that can count for the keys: an onboarding funnel asks $step and the steps' events, not all of an actor's
    const names = new Set(chunk.flatMap((i) => lookups[i]!.keys.map(eventOfKey)))
    const events = await db.kysely
      .selectFrom('events')
      .select(['actor', 'type', 'event', keyProperty(db).as('property'), 'event_time'])
      .where('project_id', '=', project)
      .where('actor', 'in', [...new Set(chunk.map((i) => lookups[i]!.actor))])
      .where('event_time', '>=', Math.min(...chunk.map((i) => lookups[i]!.range[0])))
      .where('event_time', '<', Math.max(...chunk.map((i) => lookups[i]!.range[1])))
      .$if(!names.has(null), (q) => q.where('event', 'in', [...names] as string[]))
      .execute()
    const byActor = new Map<string, { time: number; keys: string[] }[]>()
    for (const e of events) {
      const name = KEY_PROPERTIES.get(e.event) // a Map: an event may be named `constructor`
      const keys = activityKeys({ type: e.type, event: e.event, properties: name ? { [name]: e.property } : undefined })
      const list = byActor.get(e.actor)
      if (list) list.push({ time: e.event_time, keys })
      else byActor.set(e.actor, [{ time: e.event_time, keys }])
    }
    for (const i of chunk) {
      const { actor, keys, range: [a, b] } = lookups[i]!
      for (const e of byActor.get(actor) ?? [])
        if (e.time >= a && e.time < b && (found[i] == null || e.time < found[i]!) && e.keys.some((k) => keys.includes(k))) found[i] = e.time
    }
  }
  return found
}

/** What firstsAtOrAfter is asked: the earliest time at or after t among rows (one person's, of the keys). */
export interface After {
  rows: ActivityRow[]
  keys: string[]
  t: number
}

/** For each ask, the earliest time at or after its t among its rows, the events of all asks read together where a day cannot tell. */
export async function firstsAtOrAfter(db: Db, project: string, asks: After[]): Promise<(number | null)[]> {
  const best: (number | null)[] = []
  const unsure: { ask: number; row: ActivityRow }[] = []
  asks.forEach(({ rows, t }, ask) => {
    let first: number | null = null
    for (const row of rows) {
      if (row.last_time < t) continue
      if (row.first_time >= t) first = first == null ? row.first_time : Math.min(first, row.first_time)
      else unsure.push({ ask, row })
    }
    best.push(first)
  })
  // bounded by the day's end and by what the sure rows found
  const found = await firstEvents(
    db,
    project,
    unsure.map(({ ask, row }) => ({ actor: row.actor, keys: asks[ask]!.keys, range: [asks[ask]!.t, Math.min((row.day + 1) * DAY, best[ask] ?? Infinity)] as Range })),
  )
  unsure.forEach(({ ask }, i) => {
    if (found[i] != null) best[ask] = best[ask] == null ? found[i]! : Math.min(best[ask]!, found[i]!)
  })
  return best
}
