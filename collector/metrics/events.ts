// What reads survey events themselves reads them by name (index events_named)
// within the window, each with its person: survey answers, the type of a survey
// missing from the config.
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

/** The survey events of these stages in [from, to) of the persons who count, in event time order. */
export async function loadSurveyEvents(db: Db, query: Query, persons: Persons, stages: string[]): Promise<NamedEvent[]> {
  const rows = await db.kysely
    .selectFrom('events as e')
    .innerJoin('actors as a', (join) => join.onRef('a.project_id', '=', 'e.project_id').onRef('a.actor', '=', 'e.actor'))
    // the person's number only where a segment asks who counts
    .select(['a.person', (persons == everyone ? sql<number | null>`null` : personNumber).as('pid'), 'e.event', 'e.event_time', 'e.seq', 'e.message'])
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
