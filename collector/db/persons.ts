// GDPR: a person's data, exported or erased. A person is `u:<userId>` and every
// anonymous actor whose latest link points to that userId (METRICS.md). On a
// shared computer the device is the last user's, but each message is its
// sender's: what another user sent there signed in (their userId on it) is
// theirs, not this person's, and what this person sent on a device someone
// else signed in on later is this person's.
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import type { Db } from './index'
import { eventHour, HOUR } from './ingest'
import { ofActors } from './rows'
import type { Tables } from './schema'

interface Person {
  projectId: string
  userId: string
  /** `u:<userId>` and the anonymous actors linked to it now. */
  actors: string[]
}

async function personOf(db: Kysely<Tables>, projectId: string, userId: string): Promise<Person> {
  const linked = await db.selectFrom('actors').select('actor').where('project_id', '=', projectId).where('user_id', '=', userId).execute()
  return { projectId, userId, actors: [`u:${userId}`, ...linked.map((a) => a.actor)] }
}

/**
 * The receipt numbers (seq) of messages signed by another user on the person's actors (`others`), or by the
 * person on a device linked to someone else now (`lent`): subqueries, since a busy shared device has many.
 * Nothing leads to the second by an index: erasure and export are rare, and a scan of the project's events is what they cost.
 */
const signed = (p: Person, whose: 'others' | 'lent', column: 'seq' | 'actor' = 'seq') =>
  sql`(select ${sql.ref(column)} from events where project_id = ${p.projectId} and ${
    whose == 'others' ? sql`actor in (${sql.join(p.actors)}) and user_id <> ${p.userId}` : sql`user_id = ${p.userId} and actor not in (${sql.join(p.actors)})`
  })`

/** The person's events: signed with their userId, or unsigned on their actors. */
const theirEvents = (p: Person): Expression<SqlBool> => sql`(user_id = ${p.userId} or (user_id is null and actor in (${sql.join(p.actors)})))`

/** The person's rows of traits or memberships (latest per key, with the seq of the message that wrote it): by their actors' messages but others', or by theirs on a lent device. */
const theirs = (p: Person, column: 'actor' | 'subject'): Expression<SqlBool> =>
  sql`((${sql.ref(column)} in (${sql.join(p.actors)}) and seq not in ${signed(p, 'others')}) or (${sql.ref(column)} in ${signed(p, 'lent', 'actor')} and seq in ${signed(p, 'lent')}))`

export async function exportPerson(db: Db, projectId: string, userId: string) {
  const person = await personOf(db.kysely, projectId, userId)
  const { actors } = person
  const [events, traits, memberships] = await Promise.all([
    db.kysely.selectFrom('events').select(['message', 'event_time']).where('project_id', '=', projectId).where(theirEvents(person)).orderBy('event_time').orderBy('seq').execute(),
    db.kysely.selectFrom('traits').select(['key', 'value', 'time', 'seq']).where('project_id', '=', projectId).where('kind', '=', 'person').where(theirs(person, 'subject')).execute(),
    db.kysely.selectFrom('memberships').select(['group_id', 'time', 'seq']).where('project_id', '=', projectId).where(theirs(person, 'actor')).execute(),
  ])
  // traits merge key by key, the latest by event time, then receipt
  const merged: Record<string, { value: unknown; time: number; seq: number }> = {}
  for (const t of traits) {
    const prev = merged[t.key]
    if (!prev || t.time > prev.time || (t.time == prev.time && t.seq > prev.seq)) merged[t.key] = { value: JSON.parse(t.value), time: t.time, seq: t.seq }
  }
  const account = memberships.sort((a, b) => b.time - a.time || b.seq - a.seq)[0]?.group_id ?? null
  return {
    userId,
    anonymousIds: actors.filter((a) => a.startsWith('a:')).map((a) => a.slice(2)),
    traits: Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, v.value])),
    account,
    events: events.map((e) => JSON.parse(e.message) as unknown),
  }
}

/** Erases the person everywhere, in one transaction; returns how many events went. */
export async function erasePerson(db: Db, projectId: string, userId: string): Promise<{ events: number; actors: number }> {
  return db.kysely.transaction().execute(async (trx) => {
    const person = await personOf(trx, projectId, userId)
    const { actors } = person
    // what names the person's messages by their seq goes before the events that tell which those are
    await trx.deleteFrom('memberships').where('project_id', '=', projectId).where(theirs(person, 'actor')).execute()
    await trx.deleteFrom('traits').where('project_id', '=', projectId).where('kind', '=', 'person').where(theirs(person, 'subject')).execute()
    // what a lent device's person took over from their messages: its merged traits
    await trx.deleteFrom('person_traits').where('project_id', '=', projectId).where(sql<SqlBool>`seq in ${signed(person, 'lent')}`).execute()
    const events = await trx.deleteFrom('events').where('project_id', '=', projectId).where(theirEvents(person)).executeTakeFirst()
    for (const table of ['firsts', 'activity', 'sessions'] as const) await trx.deleteFrom(table).where(ofActors(table, projectId, actors)).execute()
    // Alerts name the person as it was known when they fired: `u:<id>`, or an anonymous actor of theirs answering
    // before signing in, and `<that>/<survey>` for answers, quoting their comments
    const subject = `u:${userId}`
    const persons = [...actors.filter((a) => a.startsWith('a:')), subject]
    await trx
      .deleteFrom('alerts')
      .where('project_id', '=', projectId)
      .where((eb) => eb.or([eb('subject', 'in', persons), ...persons.map((p) => eb(eb.fn('substr', ['subject', eb.val(1), eb.val(p.length + 1)]), '=', `${p}/`))]))
      .execute()
    await trx.deleteFrom('health_state').where('project_id', '=', projectId).where('subject', 'in', persons).execute()
    const pids = trx.selectFrom('persons').select('pid').where('project_id', '=', projectId).where('person', 'in', persons)
    await trx.deleteFrom('person_traits').where('project_id', '=', projectId).where('pid', 'in', pids).execute()
    await trx.deleteFrom('persons').where('project_id', '=', projectId).where('person', 'in', persons).execute()
    // Rejected messages may name the person too: those holding the id as a JSON string, or, cut at 32 KB and
    // kept as a string, its escaped form. Found as text, case and all: LIKE would read % and _ in an id as wildcards.
    const named = JSON.stringify(userId)
    const contains = (text: string) => (db.dialect == 'postgres' ? sql<boolean>`strpos(payload, ${text}) > 0` : sql<boolean>`instr(payload, ${text}) > 0`)
    await trx
      .deleteFrom('quarantine')
      .where('project_id', '=', projectId)
      .where((eb) => eb.or([contains(named), contains(JSON.stringify(named).slice(1, -1))]))
      .execute()
    const gone = await trx.deleteFrom('actors').where('project_id', '=', projectId).where('actor', 'in', actors).executeTakeFirst()
    return { events: Number(events.numDeletedRows), actors: Number(gone.numDeletedRows) }
  })
}

/** Deletes raw events older than each project's retentionDays; per-person state stays. */
export async function deleteExpired(db: Db, projects: { id: string; retentionDays?: number }[], now: number) {
  let deleted = 0
  for (const p of projects) {
    if (!p.retentionDays) continue
    const cutoff = now - p.retentionDays * 86_400_000
    const result = await db.kysely
      .deleteFrom('events')
      .where('project_id', '=', p.id)
      .where(eventHour, '<=', Math.floor(cutoff / HOUR))
      .where('event_time', '<', cutoff)
      .executeTakeFirst()
    deleted += Number(result.numDeletedRows)
  }
  return deleted
}

/** The hourly retention sweep: expired events deleted, then the query planner's statistics refreshed. */
export async function sweep(db: Db, projects: { id: string; retentionDays?: number }[], now: number) {
  await deleteExpired(db, projects, now)
  await db.optimize()
}
