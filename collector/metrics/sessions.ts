// Sessions, engaged time and DAU/WAU/MAU in the window (METRICS.md).
import { sql } from 'kysely'
import type { Db } from '../db/index'
import { namedEvents } from '../db/ingest'
import { chunks } from '../db/rows'
import type { EventsTable } from '../db/schema'
import { activeCounts, type Range } from './activity'
import { arrayOf, parseArray, readColumns } from './columns'
import { distinctCounts, everyone, segmentOf, type Persons } from './population'
import type { Metric, Query } from './query'
import { mean, rate } from './stats'
import { DAY, days } from './time'

export const sessions: Metric<{
  sessions: number
  avgSessionLength: number | null
  sessionsPerUserPerWeek: number | null
  engagedTime: number
  dau: number | null
  wau: number
  mau: number
  stickiness: number | null
}> = async (db, query) => {
  const project = query.project.id
  const population = await segmentOf(db, query)
  const [started, engagedTime] = await Promise.all([startedSessions(db, query, population), engaged(db, query, population)])
  const weeks = (query.to - query.from) / (7 * DAY)

  const dayRanges = days(query.from, query.to, query.tz)
  const counts = await activeCounts(db, project, population, [''], [...dayRanges, [query.to - 7 * DAY, query.to], [query.to - 30 * DAY, query.to]])
  const mau = counts.pop()!
  const wau = counts.pop()!
  const dau = mean(counts)
  return {
    sessions: started.count,
    avgSessionLength: started.count ? started.length / started.count : null,
    sessionsPerUserPerWeek: started.persons && weeks ? started.count / started.persons / weeks : null,
    engagedTime,
    dau,
    wau,
    mau,
    stickiness: dau == null ? null : rate(dau, mau),
  }
}

/** The sessions that started in the window: how many, their summed length, and how many persons they are of. */
async function startedSessions(db: Db, query: Query, population: Persons): Promise<{ count: number; length: number; persons: number }> {
  const rows = db.kysely
    .selectFrom('sessions')
    .where('project_id', '=', query.project.id)
    .where('start_time', '>=', query.from)
    .where('start_time', '<', query.to)
  const length = sql<number>`coalesce(sum(end_time - start_time), 0)`
  if (population == everyone) {
    // counted, summed and their persons read in one pass: at 1M events (bench/metrics.mjs), 22 ms in two, 17 in one
    const all = await rows.select((eb) => [eb.fn.countAll<number>().as('count'), length.as('length'), arrayOf(db, eb.ref('pid')).as('pid')]).executeTakeFirstOrThrow()
    const pids = (parseArray(all.pid) as (number | null)[]).filter((p) => p != null) // the column may hold null: nobody
    return { count: Number(all.count), length: Number(all.length), persons: distinctCounts([pids])[0]! }
  }
  // each session read as columns and counted here: grouped by person in the database, the month's 91,000 at 1M
  // events (bench/metrics.mjs, segment plan:pro) took 61 ms
  const { pid, length: lengths } = await readColumns(db, rows.select(['pid', sql<number>`end_time - start_time`.as('length')]), ['pid', 'length'])
  const kept: number[] = []
  let total = 0
  pid.forEach((p, i) => {
    if (!population.has(p)) return
    kept.push(p)
    total += lengths[i]!
  })
  return { count: kept.length, length: total, persons: distinctCounts([kept])[0]! }
}

/**
 * The engaged time of the window: its whole UTC days summed from the activity of `$engagement`, and
 * the parts of days at its ends from that day's activity too, where an actor's engagement that day lies
 * all inside the part or all outside it; only the other actors' events are read. At 1M events
 * (bench/metrics.mjs), the parts' events cost 14 ms, read whole; a window ending now needs none of today's.
 */
async function engaged(db: Db, query: Query, population: Persons): Promise<number> {
  const project = query.project.id
  const [first, last] = [Math.ceil(query.from / DAY), Math.floor(query.to / DAY)] // whole days: [first, last)
  const activity = db.kysely.selectFrom('activity').where('project_id', '=', project).where('key', '=', 'e:$engagement')
  let total = 0
  if (first < last) {
    const days = activity.where('day', '>=', first).where('day', '<', last)
    const sum = sql<number>`coalesce(sum(engaged_ms), 0)`
    if (population == everyone) total += Number((await days.select(sum.as('ms')).executeTakeFirstOrThrow()).ms)
    else {
      const { pid, engaged_ms } = await readColumns(db, days.select(['pid', 'engaged_ms']), ['pid', 'engaged_ms'])
      pid.forEach((p, i) => population.has(p) && (total += engaged_ms[i]!))
    }
  }
  // the parts of days at the ends, each inside one UTC day
  const parts: Range[] = first <= last ? [[query.from, first * DAY], [last * DAY, query.to]] : [[query.from, query.to]]
  for (const [a, b] of parts.filter(([a, b]) => a < b)) {
    const day = await readColumns(db, activity.where('day', '=', Math.floor(a / DAY)).select(['actor', 'pid', 'first_time', 'last_time', 'engaged_ms']), ['actor', 'pid', 'first_time', 'last_time', 'engaged_ms'])
    const across: string[] = [] // actors with engagement on both sides of a bound
    day.actor.forEach((actor, i) => {
      if (!population.has(day.pid[i]!) || day.last_time[i]! < a || day.first_time[i]! >= b) return
      if (day.first_time[i]! >= a && day.last_time[i]! < b) total += day.engaged_ms[i]!
      else across.push(actor)
    })
    // through the index of named events, not each actor's events of all time (SQLite took that path: 58 ms for 81 actors)
    const events = sql<EventsTable>`events`.as<'e'>(db.dialect == 'sqlite' ? sql`e indexed by events_named` : sql`e`)
    const sum = sql<number>`coalesce(sum(${db.jsonNumber('e.message', ['properties', 'engagedMs'])}), 0)`
    for (const chunk of chunks(across))
      total += Number(
        (
          await db.kysely
            .selectFrom(events)
            .where('e.project_id', '=', project)
            .where(namedEvents)
            .where('e.event', '=', '$engagement')
            .where('e.event_time', '>=', a)
            .where('e.event_time', '<', b)
            .where('e.actor', 'in', chunk)
            .select(sum.as('ms'))
            .executeTakeFirstOrThrow()
        ).ms,
      )
  }
  return total
}
