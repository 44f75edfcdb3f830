// What reads events themselves reads survey events (index events_named) within
// the window: survey answers, the type of a survey missing from the config.
import { namedEvents } from '../db/ingest'
import type { Db } from '../db/index'
import { personId, type Persons } from './population'
import type { Query } from './query'

export interface NamedEvent {
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
    .leftJoin('actors as a', (join) => join.onRef('a.project_id', '=', 'e.project_id').onRef('a.actor', '=', 'e.actor'))
    .select(['e.actor', 'e.event', 'e.event_time', 'e.seq', 'e.message', 'a.user_id'])
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
    const person = personId(row.actor, row.user_id)
    if (persons.has(person))
      events.push({ person, event: row.event!, time: row.event_time, seq: row.seq, properties: (JSON.parse(row.message) as { properties?: Record<string, unknown> }).properties ?? {} })
  }
  return events
}
