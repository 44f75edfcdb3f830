// GDPR: a person's data, exported or erased. A person is `u:<userId>` and every
// anonymous actor whose latest link points to that userId (METRICS.md).
import type { Db } from './index'
import { eventHour, HOUR } from './ingest'
import { ofActors } from './rows'

async function actorsOf(db: Db, projectId: string, userId: string): Promise<string[]> {
  const linked = await db.kysely.selectFrom('actors').select('actor').where('project_id', '=', projectId).where('user_id', '=', userId).execute()
  return [`u:${userId}`, ...linked.map((a) => a.actor)]
}

export async function exportPerson(db: Db, projectId: string, userId: string) {
  const actors = await actorsOf(db, projectId, userId)
  const [events, traits, memberships] = await Promise.all([
    db.kysely.selectFrom('events').select(['message', 'event_time']).where('project_id', '=', projectId).where('actor', 'in', actors).orderBy('event_time').orderBy('seq').execute(),
    db.kysely.selectFrom('traits').select(['key', 'value', 'time', 'seq']).where('project_id', '=', projectId).where('kind', '=', 'person').where('subject', 'in', actors).execute(),
    db.kysely.selectFrom('memberships').select(['group_id', 'time', 'seq']).where('project_id', '=', projectId).where('actor', 'in', actors).execute(),
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
  const actors = await actorsOf(db, projectId, userId)
  return db.kysely.transaction().execute(async (trx) => {
    const events = await trx.deleteFrom('events').where('project_id', '=', projectId).where('actor', 'in', actors).executeTakeFirst()
    await trx.deleteFrom('memberships').where('project_id', '=', projectId).where('actor', 'in', actors).execute()
    for (const table of ['firsts', 'activity', 'sessions'] as const) await trx.deleteFrom(table).where(ofActors(table, projectId, actors)).execute()
    await trx.deleteFrom('traits').where('project_id', '=', projectId).where('kind', '=', 'person').where('subject', 'in', actors).execute()
    // alerts name the person (`u:<id>`, or `u:<id>/<survey>` for answers) and quote their comments
    const subject = `u:${userId}`
    await trx
      .deleteFrom('alerts')
      .where('project_id', '=', projectId)
      .where((eb) => eb.or([eb('subject', '=', subject), eb(eb.fn('substr', ['subject', eb.val(1), eb.val(subject.length + 1)]), '=', `${subject}/`)]))
      .execute()
    await trx.deleteFrom('health_state').where('project_id', '=', projectId).where('subject', '=', subject).execute()
    const persons = [...actors.filter((a) => a.startsWith('a:')), subject]
    const pids = trx.selectFrom('persons').select('pid').where('project_id', '=', projectId).where('person', 'in', persons)
    await trx.deleteFrom('person_traits').where('project_id', '=', projectId).where('pid', 'in', pids).execute()
    await trx.deleteFrom('persons').where('project_id', '=', projectId).where('person', 'in', persons).execute()
    // rejected messages may name the person too
    await trx.deleteFrom('quarantine').where('project_id', '=', projectId).where('payload', 'like', `%${JSON.stringify(userId).slice(1, -1)}%`).execute()
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
