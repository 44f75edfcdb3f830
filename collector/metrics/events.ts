// The few metrics that read events themselves read them by name (index
// events_event) within the window: survey answers and views, engagement.
import type { Db } from '../db/index'
import type { Population } from './population'
import type { Query } from './query'

export interface NamedEvent {
  person: string
  event: string
  time: number
  seq: number
  properties: Record<string, unknown>
}

/** The events of these names in [from, to) of the persons of the population, in event time order. */
export async function loadEvents(db: Db, query: Query, population: Population, names: string[]): Promise<NamedEvent[]> {
  const rows = await db.kysely
    .selectFrom('events')
    .select(['actor', 'event', 'event_time', 'seq', 'message'])
    .where('project_id', '=', query.project.id)
    .where('event', 'in', names)
    .where('event_time', '>=', query.from)
    .where('event_time', '<', query.to)
    .orderBy('event_time')
    .orderBy('seq')
    .execute()
  const events: NamedEvent[] = []
  for (const row of rows) {
    const person = population.personOf.get(row.actor)
    if (person)
      events.push({ person, event: row.event!, time: row.event_time, seq: row.seq, properties: (JSON.parse(row.message) as { properties?: Record<string, unknown> }).properties ?? {} })
  }
  return events
}
