// The tables, as Kysely sees them. Times are UTC milliseconds; `seq` orders
// receipts (microseconds of the receiving clock), so that between equal event
// times the message received later is the later one (METRICS.md).
import type { Generated } from 'kysely'

export interface Tables {
  events: EventsTable
  actors: ActorsTable
  firsts: FirstsTable
  traits: TraitsTable
  memberships: MembershipsTable
  sessions: SessionsTable
  quarantine: QuarantineTable
}

/**
 * An actor is who a message came from: `a:<anonymousId>` when it has one,
 * else `u:<userId>`. A person is `u:<userId>` for every actor linked to that
 * userId, else the actor itself; links are resolved at query time, so linking
 * is retroactive and a re-link moves the actor's whole history.
 */
export interface EventsTable {
  project_id: string
  message_id: string
  seq: number
  type: string
  event: string | null
  actor: string
  user_id: string | null
  group_id: string | null
  session_id: string | null
  /** The event time: timestamp corrected for the client's clock. */
  event_time: number
  received_at: number
  /** The timestamp as sent, when the stored event time differs from it. */
  original_time: string | null
  /** The message as received, unknown keys included. */
  message: string
}

/** Per-actor state kept at ingest, so metrics scan persons, not events. */
export interface ActorsTable {
  project_id: string
  actor: string
  first_time: number
  last_time: number
  /** The userId of the link with the greatest event time (anonymous actors only). */
  user_id: string | null
  link_time: number | null
  link_seq: number | null
}

/** The first occurrence per actor of each key: `e:<event>`, `t:<type>`, `s:<step id>`, `f:<feature id>`. */
export interface FirstsTable {
  project_id: string
  actor: string
  key: string
  time: number
}

/** Traits key by key, each the value of the latest call that set it. Subject: an actor (person) or a groupId (account). */
export interface TraitsTable {
  project_id: string
  kind: 'person' | 'account'
  subject: string
  key: string
  value: string
  time: number
  seq: number
}

/** Each actor's latest group call. */
export interface MembershipsTable {
  project_id: string
  actor: string
  group_id: string
  time: number
  seq: number
}

export interface SessionsTable {
  project_id: string
  session_id: string
  actor: string
  start_time: number
  end_time: number
}

/** Rejected messages, with why, as Snowplow keeps its bad rows: bounded, never counted in metrics. */
export interface QuarantineTable {
  id: Generated<number>
  project_id: string
  received_at: number
  reason: string
  payload: string
}
