// What reads events themselves reads them by name (index events_named) within
// the window, each with its person: survey answers, the type of a survey
// missing from the config, the engaged time of a window's partial days.
import { sql } from 'kysely'
import { namedEvents } from '../db/ingest'
import type { Db } from '../db/index'
import { everyone, personNumber, type Persons } from './population'
import type { Query } from './query'

export interface NamedEvent {
  /** `u:<userId>`, or the anonymous actor's id. */
  person: string
  event: string
  time: number
  seq: number
  properties: Record<string, unknown>
}

/** Events (`e`) with their actor (`a`, whose `person` names its person). */
export const eventsOfActors = (db: Db) =>
  db.kysely.selectFrom('events as e').innerJoin('actors as a', (join) => join.onRef('a.project_id', '=', 'e.project_id').onRef('a.actor', '=', 'e.actor'))

/** The number of the person of an event's actor (`a`) where a segment asks who counts, else null. */
export const pidOf = (persons: Persons) => (persons == everyone ? sql<number | null>`null` : personNumber)

/** The survey events of these stages in [from, to) of the persons who count, in event time order. */
export async function loadSurveyEvents(db: Db, query: Query, persons: Persons, stages: string[]): Promise<NamedEvent[]> {
  const rows = await eventsOfActors(db)
    .select(['a.person', pidOf(persons).as('pid'), 'e.event', 'e.event_time', 'e.seq', 'e.message'])
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
    if (persons.has(row.pid!))
      events.push({ person: row.person, event: row.event!, time: row.event_time, seq: row.seq, properties: (JSON.parse(row.message) as { properties?: Record<string, unknown> }).properties ?? {} })
  }
  return events
}
