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
  activity: ActivityTable
  alerts: AlertsTable
  health_state: HealthStateTable
  persons: PersonsTable
  person_traits: PersonTraitsTable
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
  /** `u:<user_id>` when linked, else the actor itself. */
  person: string
  link_time: number | null
  link_seq: number | null
  /** The person before the write that last upserted this row (null when it inserted it): how ingest sees what a re-link moved. */
  prev_person: string | null
}

/** The first occurrence per actor of each key: `e:<event>`, `t:<type>`, `s:<step id>`, `f:<feature id>`, `action` (db/ingest.ts firstKeys). */
export interface FirstsTable {
  project_id: string
  actor: string
  /** The number of the actor's person (persons.pid), kept with it: moved with the actor by a re-link. */
  pid: number
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

/** A person's traits, merged across its actors key by key: each the latest of theirs (db/people.ts). */
export interface PersonTraitsTable {
  project_id: string
  pid: number
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

/** A session: its first event's actor and the number of that actor's person (moved with it by a re-link), its first and last event time. */
export interface SessionsTable {
  project_id: string
  session_id: string
  actor: string
  pid: number
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

/**
 * When each actor was active, per UTC day and key (`''` for any event, else a key of
 * db/ingest.ts activityKeys): the first and last event time of that day. Whether an actor was active in any
 * range follows exactly from these two times, except for a range strictly inside one day
 * (metrics/activity.ts asks the events then).
 */
export interface ActivityTable {
  project_id: string
  key: string
  /** UTC days since the epoch. */
  day: number
  actor: string
  /** The number of the actor's person (persons.pid), kept with it: moved with the actor by a re-link. */
  pid: number
  first_time: number
  last_time: number
  /** The sum of `engagedMs` of the day's `$engagement` events among those the row counts. */
  engaged_ms: number
}

/** The alert outbox: one row per alert and webhook, unique per (project, cause, subject, url). */
export interface AlertsTable {
  project_id: string
  cause: string
  subject: string
  url: string
  payload: string
  created_at: number
  status: 'pending' | 'sent' | 'failed'
  attempts: number
  next_attempt_at: number
  last_error: string | null
  sent_at: number | null
}

/** The health band the alert check saw last per subject. */
export interface HealthStateTable {
  project_id: string
  subject: string
  band: string
  time: number
}

/** Per-person state (db/people.ts): what cohorts are found by. */
export interface PersonsTable {
  /** The person's number, given by the database when its row is made: what firsts, activity and sessions name it by. */
  pid: Generated<number>
  project_id: string
  person: string
  first_time: number
  /** createdAt of the latest call that set it, when ISO 8601; its stamp orders calls. */
  created_ms: number | null
  created_time: number | null
  created_seq: number | null
  /** created_ms, else first_time. */
  signup_time: number
  /** The groupId of the latest group call. */
  account: string | null
  account_time: number | null
  account_seq: number | null
}
