// Sessions, engaged time and DAU/WAU/MAU in the window (METRICS.md).
import { activeSets } from './activity'
import { loadEvents } from './events'
import { segmentOf } from './population'
import type { Metric } from './query'
import { mean } from './stats'
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
  const started = await db.kysely
    .selectFrom('sessions as s')
    .leftJoin('actors as a', (join) => join.onRef('a.project_id', '=', 's.project_id').onRef('a.actor', '=', 's.actor'))
    .select(['s.actor', 's.start_time', 's.end_time', 'a.user_id'])
    .where('s.project_id', '=', project)
    .where('s.start_time', '>=', query.from)
    .where('s.start_time', '<', query.to)
    .execute()
  const counted = started.map((s) => ({ ...s, person: population.of(s.actor, s.user_id) })).filter((s) => s.person != null)
  const persons = new Set(counted.map((s) => s.person))
  const weeks = (query.to - query.from) / (7 * DAY)

  let engagedTime = 0
  for (const e of await loadEvents(db, query, population, ['$engagement'])) engagedTime += Number(e.properties.engagedMs)

  const dayRanges = days(query.from, query.to, query.tz)
  const sets = await activeSets(db, project, population, [''], [...dayRanges, [query.to - 7 * DAY, query.to], [query.to - 30 * DAY, query.to]])
  const mau = sets.pop()!.size
  const wau = sets.pop()!.size
  const dau = mean(sets.map((s) => s.size))
  return {
    sessions: counted.length,
    avgSessionLength: mean(counted.map((s) => s.end_time - s.start_time)),
    sessionsPerUserPerWeek: persons.size && weeks ? counted.length / persons.size / weeks : null,
    engagedTime,
    dau,
    wau,
    mau,
    stickiness: dau != null && mau ? (dau / mau) * 100 : null,
  }
}
