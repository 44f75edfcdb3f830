// Sessions, engaged time and DAU/WAU/MAU in the window (METRICS.md).
import { sql } from 'kysely'
import { activeCounts } from './activity'
import { personId, segmentOf } from './population'
import type { Metric } from './query'
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
  // counted and summed per actor by the database: a row per actor, not per session
  const started = await db.kysely
    .selectFrom('sessions as s')
    .leftJoin('actors as a', (join) => join.onRef('a.project_id', '=', 's.project_id').onRef('a.actor', '=', 's.actor'))
    .select((eb) => ['s.actor', 'a.user_id', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>(sql`s.end_time - s.start_time`).as('length')])
    .where('s.project_id', '=', project)
    .where('s.start_time', '>=', query.from)
    .where('s.start_time', '<', query.to)
    .groupBy(['s.actor', 'a.user_id'])
    .execute()
  let count = 0
  let length = 0
  const persons = new Set<string>()
  for (const s of started) {
    const person = personId(s.actor, s.user_id)
    if (!population.has(person)) continue
    persons.add(person)
    count += Number(s.count)
    length += Number(s.length)
  }
  const weeks = (query.to - query.from) / (7 * DAY)

  // engaged time: summed per actor by the database, which reads the JSON faster than JSON.parse
  let engagedTime = 0
  const engaged = await db.kysely
    .selectFrom('events as e')
    .leftJoin('actors as a', (join) => join.onRef('a.project_id', '=', 'e.project_id').onRef('a.actor', '=', 'e.actor'))
    .select((eb) => ['e.actor', 'a.user_id', eb.fn.sum<number>(db.jsonNumber('e.message', ['properties', 'engagedMs'])).as('ms')])
    .where('e.project_id', '=', project)
    .where('e.event', '=', '$engagement')
    .where('e.event_time', '>=', query.from)
    .where('e.event_time', '<', query.to)
    .groupBy(['e.actor', 'a.user_id'])
    .execute()
  for (const e of engaged) if (population.has(personId(e.actor, e.user_id))) engagedTime += Number(e.ms)

  const dayRanges = days(query.from, query.to, query.tz)
  const counts = await activeCounts(db, project, population, [''], [...dayRanges, [query.to - 7 * DAY, query.to], [query.to - 30 * DAY, query.to]])
  const mau = counts.pop()!
  const wau = counts.pop()!
  const dau = mean(counts)
  return {
    sessions: count,
    avgSessionLength: count ? length / count : null,
    sessionsPerUserPerWeek: persons.size && weeks ? count / persons.size / weeks : null,
    engagedTime,
    dau,
    wau,
    mau,
    stickiness: dau == null ? null : rate(dau, mau),
  }
}
