// Storing messages: the events themselves, idempotently (the first stored copy
// of a messageId wins), and the per-actor state that metrics read instead of
// scanning events. Everything of one write is one transaction: 2xx means committed.
import { sql, type Transaction } from 'kysely'
import type { Db } from './index'
import { contribute, traitOrder, traitWins, updatePersons, type PersonState } from './people'
import { chunks, insertRows, later, ofActors } from './rows'
import type { Tables } from './schema'

/** A validated message, its times settled. */
export interface Row {
  projectId: string
  messageId: string
  seq: number
  type: string
  event: string | null
  actor: string
  userId: string | null
  groupId: string | null
  sessionId: string | null
  eventTime: number
  receivedAt: number
  originalTime: string | null
  properties: Record<string, unknown> | undefined
  traits: Record<string, unknown> | undefined
  /** The message as received, as JSON. */
  message: string
}

const DAY = 86_400_000
const key = (r: { projectId: string; messageId: string }) => `${r.projectId}\u0000${r.messageId}`
/** Rows in primary-key order: concurrent transactions on PostgreSQL then lock in one order and cannot deadlock. */
const sorted = <T>(map: Map<string, T>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)

/** What else must commit with the rows stored now (the alert outbox). */
export type AfterStore = (trx: Transaction<Tables>, stored: Row[]) => Promise<void>

/** Stores the rows; returns the keys (`project\0messageId`) stored now, not before. */
export async function ingest(db: Db, rows: Row[], after?: AfterStore): Promise<Set<string>> {
  const unique = new Map<string, Row>()
  for (const row of rows) if (!unique.has(key(row))) unique.set(key(row), row)
  return db.kysely.transaction().execute(async (trx) => {
    const stored = new Set<string>()
    const values = sorted(unique).map((r) => ({
      project_id: r.projectId,
      message_id: r.messageId,
      seq: r.seq,
      type: r.type,
      event: r.event,
      actor: r.actor,
      user_id: r.userId,
      group_id: r.groupId,
      session_id: r.sessionId,
      event_time: r.eventTime,
      received_at: r.receivedAt,
      original_time: r.originalTime,
      message: r.message,
    }))
    const inserted = await insertRows(db, trx, 'events', values, (values) =>
      trx
        .insertInto('events')
        .values(values)
        .onConflict((oc) => oc.columns(['project_id', 'message_id']).doNothing())
        .returning(['project_id', 'message_id']),
    )
    for (const r of inserted) stored.add(`${r.project_id}\u0000${r.message_id}`)
    const fresh = [...unique.values()].filter((r) => stored.has(key(r)))
    await updateState(db, trx, fresh)
    await after?.(trx, fresh)
    return stored
  })
}

export const SURVEY_STAGES = ['$survey_shown', '$survey_dismissed', '$survey_response'] as const
const isSurveyEvent = (event: string | null) => (SURVEY_STAGES as readonly (string | null)[]).includes(event)

/** The events whose keys name one of their properties (an id, schemas.ts), and which: the step, feature or survey that eventKeys and activityKeys read. */
export const KEY_PROPERTIES = new Map<string | null, string>([['$step', 'step'], ['$feature', 'feature'], ...SURVEY_STAGES.map((stage) => [stage, 'surveyId'] as const)])

/** The keys of what a message is: `t:<type>` but for a track call, `e:<event>`, and the step or feature it completes or uses (`s:<step>`, `f:<feature>`). */
function eventKeys(r: Pick<Row, 'type' | 'event' | 'properties'>): string[] {
  if (r.type != 'track') return [`t:${r.type}`]
  const keys = [`e:${r.event}`]
  if (r.event == '$step') keys.push(`s:${r.properties!.step}`)
  if (r.event == '$feature') keys.push(`f:${r.properties!.feature}`)
  return keys
}

/**
 * The events that metrics read themselves, by name: the survey stages, and engagement at the partial days
 * of a window. As one SQL term: the WHERE of the partial index events_named, and a term of every read
 * through it. SQLite uses a partial index only for a query that has its WHERE term word for word, values
 * literal (sqlite.org/partialindex.html).
 */
export const namedEvents = sql.raw<boolean>(`event in (${[...SURVEY_STAGES, '$engagement'].map((s) => `'${s}'`).join(', ')})`)

export const HOUR = 3_600_000
/** An event's hour: the key of index events_hour, read in the same words (SQLite matches an indexed expression as written). */
export const eventHour = sql.raw<number>(`event_time / ${HOUR}`)

/** Whether a message is an action for time to first action: not a page view, engagement (sessions) or survey event. */
const isAction = (r: Pick<Row, 'type' | 'event'>) => r.type != 'page' && r.event != '$engagement' && !isSurveyEvent(r.event)

/** The keys of firsts a message counts for: its event keys, and `action` when it is one. */
const firstKeys = (r: Pick<Row, 'type' | 'event'>, keys: string[]): string[] => (isAction(r) ? [...keys, ACTION] : keys)

export const ACTION = 'action'

/** The keys of activity a message counts for: `''` (any event), its event keys but `t:`, and a survey's stage `v:<event>:<surveyId>`. */
export function activityKeys(r: Pick<Row, 'type' | 'event' | 'properties'>, keys = eventKeys(r)): string[] {
  const out = ['', ...keys.filter((k) => !k.startsWith('t:'))]
  if (r.type == 'track' && isSurveyEvent(r.event)) out.push(surveyKey(r.event!, String(r.properties!.surveyId)))
  return out
}

export const surveyKey = (event: string, surveyId: string) => `v:${event}:${surveyId}`

/** The event an activity key is counted from (activityKeys), or null for '': any event. */
export function eventOfKey(key: string): string | null {
  if (key == '') return null
  if (key.startsWith('s:')) return '$step'
  if (key.startsWith('f:')) return '$feature'
  return key.startsWith('v:') ? key.slice(2, key.indexOf(':', 2)) : key.slice(2) // v:<event>:<survey>, e:<event>
}

async function updateState(db: Db, trx: Transaction<Tables>, rows: Row[]) {
  const actors = new Map<string, Tables['actors']>()
  const firsts = new Map<string, Tables['firsts']>()
  const traits = new Map<string, Tables['traits']>()
  const memberships = new Map<string, Tables['memberships']>()
  const sessions = new Map<string, Tables['sessions']>()
  const activity = new Map<string, Tables['activity']>()

  for (const r of rows) {
    const p = r.projectId
    const t = r.eventTime
    const at = `${p}\u0000${r.actor}`
    const actor = actors.get(at) ?? { project_id: p, actor: r.actor, person: r.actor, first_time: t, last_time: t, user_id: null, link_time: null, link_seq: null, prev_person: null }
    actor.first_time = Math.min(actor.first_time, t)
    actor.last_time = Math.max(actor.last_time, t)
    if (r.userId && r.actor.startsWith('a:') && later({ time: t, seq: r.seq }, actor.link_time == null ? null : { time: actor.link_time, seq: actor.link_seq! })) {
      actor.user_id = r.userId
      actor.person = `u:${r.userId}`
      actor.link_time = t
      actor.link_seq = r.seq
    }
    actors.set(at, actor)

    const keys = eventKeys(r) // once per message: firsts and activity both start from them
    for (const k of firstKeys(r, keys)) {
      const f = firsts.get(`${at}\u0000${k}`)
      if (!f || t < f.time) firsts.set(`${at}\u0000${k}`, { project_id: p, actor: r.actor, pid: 0, key: k, time: t })
    }
    const day = Math.floor(t / DAY)
    const engaged = r.event == '$engagement' ? Number(r.properties!.engagedMs) : 0
    for (const k of activityKeys(r, keys)) {
      const id = `${p}\u0000${k}\u0000${day}\u0000${r.actor}`
      const a = activity.get(id)
      // (its person's number, as those of firsts and sessions, is known once the persons are written)
      if (!a) activity.set(id, { project_id: p, key: k, day, actor: r.actor, pid: 0, first_time: t, last_time: t, engaged_ms: engaged })
      else {
        a.first_time = Math.min(a.first_time, t)
        a.last_time = Math.max(a.last_time, t)
        a.engaged_ms += engaged
      }
    }

    const setTraits = (kind: 'person' | 'account', subject: string) => {
      for (const [k, v] of Object.entries(r.traits ?? {})) {
        if (v === undefined) continue
        const id = `${p}\u0000${kind}\u0000${subject}\u0000${k}`
        const prev = traits.get(id)
        if (later({ time: t, seq: r.seq }, prev)) traits.set(id, { project_id: p, kind, subject, key: k, value: JSON.stringify(v), time: t, seq: r.seq })
      }
    }
    if (r.type == 'identify') setTraits('person', r.actor)
    if (r.type == 'group') {
      setTraits('account', r.groupId!)
      const prev = memberships.get(at)
      if (later({ time: t, seq: r.seq }, prev)) memberships.set(at, { project_id: p, actor: r.actor, group_id: r.groupId!, time: t, seq: r.seq })
    }

    if (r.sessionId) {
      const sid = `${p}\u0000${r.sessionId}`
      const s = sessions.get(sid)
      if (!s) sessions.set(sid, { project_id: p, session_id: r.sessionId, actor: r.actor, pid: 0, start_time: t, end_time: t })
      else {
        if (t < s.start_time) Object.assign(s, { start_time: t, actor: r.actor })
        s.end_time = Math.max(s.end_time, t)
      }
    }
  }

  const latest = (table: string) => sql<boolean>`(excluded.time, excluded.seq) > (${sql.ref(`${table}.time`)}, ${sql.ref(`${table}.seq`)})`
  const linkWins = sql<boolean>`excluded.link_time is not null and (actors.link_time is null or (excluded.link_time, excluded.link_seq) > (actors.link_time, actors.link_seq))`

  const after = new Map<string, string>() // `project\0actor` to its person, as the write leaves it
  const moved = new Map<string, Map<string, [from: string, to: string]>>() // per project, the actors a re-link moved
  const written = await insertRows(db, trx, 'actors', sorted(actors), (values) =>
    trx
      .insertInto('actors')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['project_id', 'actor']).doUpdateSet({
          first_time: db.least('actors.first_time', 'excluded.first_time'),
          last_time: db.greatest('actors.last_time', 'excluded.last_time'),
          user_id: sql`case when ${linkWins} then excluded.user_id else actors.user_id end`,
          person: sql`case when ${linkWins} then excluded.person else actors.person end`,
          link_time: sql`case when ${linkWins} then excluded.link_time else actors.link_time end`,
          link_seq: sql`case when ${linkWins} then excluded.link_seq else actors.link_seq end`,
          // The row as this upsert found it, under its lock: another collector may have re-linked it since this write began
          prev_person: sql.ref('actors.person'),
        }),
      )
      .returning(['project_id', 'actor', 'person', 'prev_person']),
  )
  for (const a of written) {
    after.set(`${a.project_id}\u0000${a.actor}`, a.person)
    if (a.prev_person != null && a.prev_person != a.person) {
      if (!moved.has(a.project_id)) moved.set(a.project_id, new Map())
      moved.get(a.project_id)!.set(a.actor, [a.prev_person, a.person])
    }
  }
  await insertRows(db, trx, 'traits', sorted(traits), (values) =>
    trx
      .insertInto('traits')
      .values(values)
      .onConflict((oc) =>
        oc
          .columns(['project_id', 'kind', 'subject', 'key'])
          .doUpdateSet({ value: sql.ref('excluded.value'), time: sql.ref('excluded.time'), seq: sql.ref('excluded.seq') })
          .where(latest('traits')),
      ),
  )
  await insertRows(db, trx, 'memberships', sorted(memberships), (values) =>
    trx
      .insertInto('memberships')
      .values(values)
      .onConflict((oc) =>
        oc
          .columns(['project_id', 'actor'])
          .doUpdateSet({ group_id: sql.ref('excluded.group_id'), time: sql.ref('excluded.time'), seq: sql.ref('excluded.seq') })
          .where(latest('memberships')),
      ),
  )
  // the persons next, for their numbers: what the write adds to each, and the actors a re-link moved
  const added = new Map<string, Map<string, PersonState>>()
  for (const r of rows) {
    if (!added.has(r.projectId)) added.set(r.projectId, new Map())
    contribute(added.get(r.projectId)!, r.projectId, after.get(`${r.projectId}\u0000${r.actor}`)!, r)
  }
  const pids = new Map<string, number>() // `project\0person` to its number
  for (const [project, persons] of added)
    for (const [person, pid] of await updatePersons(db, trx, project, persons, moved.get(project) ?? new Map())) pids.set(`${project}\u0000${person}`, pid)
  // the rows that name their actor's person name it as the write leaves it
  for (const rows of [firsts, sessions, activity]) for (const r of rows.values()) r.pid = pids.get(`${r.project_id}\u0000${after.get(`${r.project_id}\u0000${r.actor}`)}`)!
  // the persons' traits: each key the latest of their actors'
  const personTraits = new Map<string, Tables['person_traits']>()
  for (const t of traits.values()) {
    if (t.kind != 'person') continue
    const pid = pids.get(`${t.project_id}\u0000${after.get(`${t.project_id}\u0000${t.subject}`)}`)!
    const id = `${t.project_id}\u0000${pid}\u0000${t.key}`
    if (later(t, personTraits.get(id))) personTraits.set(id, { project_id: t.project_id, pid, key: t.key, value: t.value, time: t.time, seq: t.seq })
  }
  await insertRows(db, trx, 'person_traits', [...personTraits.values()].sort(traitOrder), (values) =>
    trx
      .insertInto('person_traits')
      .values(values)
      .onConflict((oc) =>
        oc
          .columns(['project_id', 'pid', 'key'])
          .doUpdateSet({ value: sql.ref('excluded.value'), time: sql.ref('excluded.time'), seq: sql.ref('excluded.seq') })
          .where(traitWins),
      ),
  )
  await insertRows(db, trx, 'firsts', sorted(firsts), (values) =>
    trx
      .insertInto('firsts')
      .values(values)
      .onConflict((oc) => oc.columns(['project_id', 'actor', 'key']).doUpdateSet({ time: sql.ref('excluded.time') }).where(sql<boolean>`excluded.time < firsts.time`)),
  )
  await insertRows(db, trx, 'sessions', sorted(sessions), (values) =>
    trx
      .insertInto('sessions')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['project_id', 'session_id']).doUpdateSet({
          actor: sql`case when excluded.start_time < sessions.start_time then excluded.actor else sessions.actor end`,
          pid: sql`case when excluded.start_time < sessions.start_time then excluded.pid else sessions.pid end`,
          start_time: db.least('sessions.start_time', 'excluded.start_time'),
          end_time: db.greatest('sessions.end_time', 'excluded.end_time'),
        }),
      ),
  )
  await insertRows(db, trx, 'activity', sorted(activity), (values) =>
    trx
      .insertInto('activity')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['project_id', 'key', 'day', 'actor']).doUpdateSet({
          pid: sql.ref('excluded.pid'),
          first_time: db.least('activity.first_time', 'excluded.first_time'),
          last_time: db.greatest('activity.last_time', 'excluded.last_time'),
          engaged_ms: sql`activity.engaged_ms + excluded.engaged_ms`,
        }),
      ),
  )
  // a moved actor's firsts, earlier days and sessions go with it
  for (const [project, actors] of moved)
    for (const chunk of chunks([...actors.keys()]))
      for (const table of ['firsts', 'activity', 'sessions'] as const)
        await trx
          .updateTable(table)
          .set({
            pid: sql`(select p.pid from actors a join persons p on p.project_id = a.project_id and p.person = a.person where a.project_id = ${sql.ref(`${table}.project_id`)} and a.actor = ${sql.ref(`${table}.actor`)})`,
          })
          .where(ofActors(table, project, chunk))
          .execute()
}
