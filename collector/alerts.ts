// Alerts (METRICS.md): a detractor NPS or a CSAT of 1-2, an account's health
// band falling to at risk or critical, and its active days halving. Each is
// written to an outbox table, once per (project, cause, subject) and webhook,
// and posted from there until the endpoint answers 2xx: it survives restarts,
// and with several collectors on one PostgreSQL each row is claimed by one of
// them (FOR UPDATE SKIP LOCKED) for a lease while it is sent.
import type { Transaction } from 'kysely'
import type { Config, Project } from './config'
import type { Db } from './db/index'
import type { Row } from './db/ingest'
import type { Tables } from './db/schema'
import { activeDays, healthScores, nameSubjects, subjects, type Band } from './metrics/health'
import { loadPopulation, personId } from './metrics/population'
import { DAY } from './metrics/time'

export type Cause = Project['webhooks'][number]['on'][number]

export interface Alert {
  cause: Cause
  subject: string
  text: string
  [key: string]: unknown
}

/** Writes the alert once for each webhook of the project that asked for its cause. */
export async function enqueue(db: Db | Transaction<Tables>, project: Project, alert: Alert, now: number) {
  const rows = project.webhooks
    .filter((w) => w.on.includes(alert.cause))
    .map((w) => ({
      project_id: project.id,
      cause: alert.cause,
      subject: alert.subject,
      url: w.url,
      payload: JSON.stringify({ project: project.id, ...alert, createdAt: new Date(now).toISOString() }),
      created_at: now,
      status: 'pending' as const,
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      sent_at: null,
    }))
  if (!rows.length) return
  const kysely = 'kysely' in db ? db.kysely : db
  await kysely
    .insertInto('alerts')
    .values(rows)
    .onConflict((oc) => oc.columns(['project_id', 'cause', 'subject', 'url']).doNothing())
    .execute()
}

/**
 * Alerts on answers, in the transaction that stores them (so a stored answer
 * never misses its alert): NPS 0-6, CSAT 1-2. One per person and survey.
 */
export function answerAlerts(config: Config, now: () => number) {
  const projects = new Map(config.projects.map((p) => [p.id, p]))
  return async (trx: Transaction<Tables>, rows: Row[]) => {
    for (const r of rows) {
      if (r.event != '$survey_response') continue
      const { surveyId, type, score, comment } = r.properties as { surveyId: string; type: string; score: number; comment?: string }
      const cause: Cause | null = type == 'nps' && score <= 6 ? 'detractor' : type == 'csat' && score <= 2 ? 'low_csat' : null
      const project = projects.get(r.projectId)
      if (!cause || !project?.webhooks.some((w) => w.on.includes(cause))) continue
      const link = await trx.selectFrom('actors').select('user_id').where('project_id', '=', r.projectId).where('actor', '=', r.actor).executeTakeFirst()
      const person = personId(r.actor, link?.user_id ?? null)
      const scale = type == 'nps' ? 10 : 5
      const said = comment ? `: “${comment}”` : ''
      await enqueue(
        trx,
        project,
        {
          cause,
          subject: `${person}/${surveyId}`,
          person,
          surveyId,
          score,
          comment: comment ?? null,
          time: new Date(r.eventTime).toISOString(),
          text: `${cause == 'detractor' ? 'Detractor' : 'Low CSAT'} in ${project.name}: ${person} scored ${score}/${scale} on ${surveyId}${said}`,
        },
        now(),
      )
    }
  }
}

const FALLEN: Band[] = ['atRisk', 'critical']

/**
 * The periodic check (hourly, and at start): a subject whose band falls to at
 * risk or critical since the last check, and one whose active days of the last
 * 30 are at most half of the 30 before. A subject's first check only records its
 * band: nothing has fallen yet. (Alerting there posted one webhook per subject
 * at risk on a collector's first start over existing data, and one per new
 * signup, which starts with no usage.)
 */
export async function checkHealth(db: Db, config: Config, now: number) {
  for (const project of config.projects) {
    if (!project.webhooks.length) continue
    const query = { project, from: now - 30 * DAY, to: now, segments: [], tz: 'UTC', now }
    const { worst } = await healthScores(db, query)
    const seen = new Map(
      (await db.kysely.selectFrom('health_state').select(['subject', 'band']).where('project_id', '=', project.id).execute()).map((s) => [s.subject, s.band]),
    )
    for (const s of worst) {
      const before = seen.get(s.subject)
      if (before != null && FALLEN.includes(s.band) && !FALLEN.includes(before as Band))
        await enqueue(
          db,
          project,
          { cause: 'at_risk', subject: s.subject, kind: s.kind, band: s.band, previousBand: before ?? null, score: s.score, components: s.components, text: `${s.kind == 'account' ? 'Account' : 'Person'} ${s.subject} of ${project.name} is ${s.band == 'critical' ? 'critical' : 'at risk'}: health ${s.score} (${Object.entries(s.components).map(([k, v]) => `${k} ${v}`).join(', ')})` },
          now,
        )
      if (before != s.band)
        await db.kysely
          .insertInto('health_state')
          .values({ project_id: project.id, subject: s.subject, band: s.band, time: now })
          .onConflict((oc) => oc.columns(['project_id', 'subject']).doUpdateSet({ band: s.band, time: now }))
          .execute()
    }

    const population = await loadPopulation(db, query, [], now)
    const all = subjects(population)
    const [last, previous] = await Promise.all([activeDays(db, query, population, all, now - 30 * DAY, now), activeDays(db, query, population, all, now - 60 * DAY, now - 30 * DAY)])
    const dropped = Array.from(previous, (_, i) => i).filter((i) => previous[i]! > 0 && last[i]! <= previous[i]! / 2)
    await nameSubjects(db, query, population, all, dropped)
    for (const i of dropped) {
      const [subject, was, is] = [all.name(i)!, previous[i]!, last[i]!]
      await enqueue(
        db,
        project,
        { cause: 'usage_drop', subject, kind: all.kind(i), activeDays: is, previousActiveDays: was, text: `Usage of ${subject} in ${project.name} dropped: active on ${is} of the last 30 days, ${was} of the 30 before` },
        now,
      )
    }
  }
}

/** How long a claimed alert is left to its sender before another may take it. */
const LEASE = 5 * 60_000
/** Retries stop this long after the alert was written; it stays, as failed. */
const GIVE_UP = DAY
const TIMEOUT = 10_000

/** Backoff: 30 s doubling per attempt up to an hour, with jitter so that retries of many alerts spread. */
export const backoff = (attempts: number, random = Math.random) => Math.min(3_600_000, 30_000 * 2 ** (attempts - 1)) * (0.5 + random() / 2)

/** Claims the due alerts (at most `limit`) for this sender: no other collector sends them while the lease runs. */
async function claim(db: Db, now: number, limit: number) {
  return db.kysely.transaction().execute(async (trx) => {
    let due = trx
      .selectFrom('alerts')
      .select(['project_id', 'cause', 'subject', 'url', 'payload', 'attempts', 'created_at'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
    if (db.dialect == 'postgres') due = due.forUpdate().skipLocked()
    const rows = await due.execute()
    for (const r of rows) await trx.updateTable('alerts').set({ next_attempt_at: now + LEASE }).where(keyOf(r)).execute()
    return rows
  })
}

const keyOf =
  (r: { project_id: string; cause: string; subject: string; url: string }) =>
  (eb: any) =>
    eb.and([eb('project_id', '=', r.project_id), eb('cause', '=', r.cause), eb('subject', '=', r.subject), eb('url', '=', r.url)])

/** Sends the due alerts; returns how many went out. */
export async function deliver(db: Db, now: () => number, post: typeof fetch = fetch, limit = 20): Promise<number> {
  let sent = 0
  for (const alert of await claim(db, now(), limit)) {
    let error: string | null = null
    try {
      const res = await post(alert.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: alert.payload, signal: AbortSignal.timeout(TIMEOUT) })
      if (!res.ok) error = `HTTP ${res.status}`
      await res.body?.cancel()
    } catch (e) {
      error = (e as Error).message
    }
    const attempts = alert.attempts + 1
    const at = now()
    const next = Math.round(at + backoff(attempts))
    const update = error
      ? next > alert.created_at + GIVE_UP
        ? { status: 'failed' as const, attempts, last_error: error }
        : { attempts, last_error: error, next_attempt_at: next }
      : { status: 'sent' as const, attempts, last_error: null, sent_at: at }
    await db.kysely.updateTable('alerts').set(update).where(keyOf(alert)).execute()
    if (!error) sent++
  }
  return sent
}

/** The alerts of a project, newest first, for the read API. */
export async function listAlerts(db: Db, projectId: string, limit: number) {
  const rows = await db.kysely
    .selectFrom('alerts')
    .select(['cause', 'subject', 'url', 'payload', 'created_at', 'status', 'attempts', 'next_attempt_at', 'last_error', 'sent_at'])
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute()
  return rows.map(({ payload, ...r }) => ({ ...r, payload: JSON.parse(payload) as unknown }))
}
