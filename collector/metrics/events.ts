// What reads events themselves reads them by name (index events_named) within
// the window, each with its person: survey answers, the type of a survey
// missing from the config, the engaged time of a window's partial days.
import { namedEvents } from '../db/ingest'
import type { Db } from '../db/index'
import type { Persons } from './population'
import type { Query } from './query'

export interface NamedEvent {
  /** `u:<userId>`, or the anonymous actor's id. */
  person: string
  event: string
  time: number
  seq: number
  properties: Record<string, unknown>
}

/**
 * Events (`e`) with their actor (`a`) and its person (`p`: `a.person` names it, `p.pid` numbers it). CROSS JOIN:
 * SQLite joins in the order written, from the events the caller's terms find, whatever its statistics say
 * (sqlite.org/optoverview.html#manctrl): on the statistics of an approximate ANALYZE it once started from all of
 * the project's persons instead, 2.3 s for a month's survey answers at 1M events.
 */
export const eventsOfPersons = (db: Db) =>
  db.kysely
    .selectFrom('events as e')
    .crossJoin('actors as a')
    .crossJoin('persons as p')
    .whereRef('a.project_id', '=', 'e.project_id')
    .whereRef('a.actor', '=', 'e.actor')
    .whereRef('p.project_id', '=', 'a.project_id')
    .whereRef('p.person', '=', 'a.person')

/** The survey events of these stages in [from, to) of the persons who count, in event time order. */
export async function loadSurveyEvents(db: Db, query: Query, persons: Persons, stages: string[]): Promise<NamedEvent[]> {
  const rows = await eventsOfPersons(db)
    .select(['a.person', 'p.pid', 'e.event', 'e.event_time', 'e.seq', 'e.message'])
    .where('e.project_id', '=', query.project.id)
    .where(namedEvents)
    .where('e.event', 'in', stages)
    .where('e.event_time', '>=', query.from)
    .where('e.event_time', '<', query.to)
    .orderBy('e.event_time')
    .orderBy('e.seq')
    .execute()
  const events: NamedEvent[] = []
  for (const row of rows) {
    if (persons.has(row.pid))
      events.push({ person: row.person, event: row.event!, time: row.event_time, seq: row.seq, properties: (JSON.parse(row.message) as { properties?: Record<string, unknown> }).properties ?? {} })
  }
  return events
}
