// Ingestion: the Segment HTTP Tracking API. Validate each message, store the
// good ones (a bad message never drops its neighbours), quarantine the rest,
// and answer 2xx only once the batch is committed.
import { Hono, type Context } from 'hono'
import { BatchBody, formatPath, validateMessage, type ValidMessage } from '../schemas'
import { HttpError, MAX_MESSAGE, parseJson, readBody, unsafeJson, writeProject, type Keys } from '../http'
import type { Row } from '../db/ingest'
import { parseIsoTime } from '../metrics/time'

export interface IngestDeps {
  keys: Keys
  now: () => number
  /** Stores rows; resolves once committed. */
  write(rows: Row[]): Promise<unknown>
  quarantine(projectId: string, receivedAt: number, items: { reason: string; payload: string }[]): Promise<unknown>
  /** 0 when `cost` messages may pass for this key, else ms to wait. */
  limit(key: string, cost: number): number
}

const DAY = 86_400_000
const TYPES = ['track', 'identify', 'group', 'page'] as const

/** The stored event time (METRICS.md): corrected for the client's clock by sentAt; more than a day ahead, the receipt time. */
export function eventTime(m: ValidMessage, bodySentAt: string | undefined, receivedAt: number): { time: number; original: string | null } {
  const sent = m.timestamp ?? m.originalTimestamp
  if (!sent) return { time: receivedAt, original: null }
  const sentAt = m.sentAt ?? bodySentAt
  // not Date.parse: it reads a date-time without offset in the collector's own zone; METRICS.md's times are UTC
  const stamped = parseIsoTime(sent)!
  const time = sentAt ? stamped + (receivedAt - parseIsoTime(sentAt)!) : stamped
  if (time > receivedAt + DAY) return { time: receivedAt, original: sent }
  return { time, original: time == stamped ? null : sent }
}

/** No IP address is stored (DESIGN.md), also where a client sends one (Segment's `context.ip`). */
function withoutIp(m: unknown): unknown {
  const context = (m as { context?: unknown } | null)?.context
  return context && typeof context == 'object' && 'ip' in context ? { ...(m as object), context: { ...context, ip: undefined } } : m
}

let lastSeq = 0
/** Receipt order: microseconds of this process's clock, strictly increasing. */
const nextSeq = (receivedAt: number) => (lastSeq = Math.max(lastSeq + 1, receivedAt * 1000))

/** A valid message as it is stored: its actor, its settled event time, its place in the receipt order. */
/** A numeric session id (RudderStack: the session's start in epoch ms) is unique only per device: paired with its actor. */
const sessionOf = (id: string | number | undefined, actor: string) => (typeof id == 'number' ? `${actor}#${id}` : (id ?? null))

export function toRow(projectId: string, m: ValidMessage, raw: string, bodySentAt: string | undefined, receivedAt: number): Row {
  const { time, original } = eventTime(m, bodySentAt, receivedAt)
  const actor = m.anonymousId ? `a:${m.anonymousId}` : `u:${m.userId}`
  return {
    projectId,
    messageId: m.messageId,
    seq: nextSeq(receivedAt),
    type: m.type,
    event: m.type == 'track' ? m.event : null,
    actor,
    userId: m.userId ?? null,
    groupId: m.type == 'group' ? m.groupId : null,
    sessionId: sessionOf(m.context?.sessionId, actor),
    eventTime: time,
    receivedAt,
    originalTime: original,
    properties: m.properties,
    traits: m.traits,
    message: raw,
  }
}

export function ingestRoutes(deps: IngestDeps) {
  async function handle(c: Context, route: 'batch' | (typeof TYPES)[number]) {
    const json = parseJson(c, await readBody(c))
    if (typeof json != 'object' || json == null || Array.isArray(json)) throw new HttpError(400, 'invalid_body', 'The body must be a JSON object')
    const body = json as Record<string, unknown>
    const project = writeProject(deps.keys, c, body.writeKey)

    let messages: unknown[]
    let bodySentAt: string | undefined
    if (route == 'batch') {
      // The batch's context is checked where it applies, in each message: a bad one is rejected by index, so a
      // client drops those messages rather than retrying a whole-body 400 for ever (the SDK puts the page title there)
      const unsafe = unsafeJson({ ...body, batch: [], context: undefined })
      if (unsafe) throw new HttpError(400, 'invalid_body', `${unsafe.path}: ${unsafe.message}`, { path: unsafe.path })
      const parsed = BatchBody.safeParse(body)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        const path = formatPath(issue.path)
        throw new HttpError(400, 'invalid_body', `${path}: ${issue.message}`, { path })
      }
      // A batch-level context applies to every message, the message's own keys winning (Segment's
      // batch API). droppedMessages is the SDK's count of what its full queue evicted: about the batch, not them.
      const { droppedMessages, ...shared } = (parsed.data.context ?? {}) as Record<string, unknown>
      if (typeof droppedMessages == 'number' && droppedMessages > 0)
        console.warn(`Project ${project.id}: a client's full queue dropped ${droppedMessages} message(s) before this batch (its maxQueue)`)
      const isObject = (v: unknown): v is object => typeof v == 'object' && v != null && !Array.isArray(v)
      // (a message whose own context is not an object is left as it is, for validation to refuse)
      const merge = (m: unknown) => {
        const own = isObject(m) ? (m as { context?: unknown }).context : null
        return Object.keys(shared).length && (own === undefined || isObject(own)) ? { ...(m as object), context: { ...shared, ...own } } : m
      }
      messages = parsed.data.batch.map(merge)
      bodySentAt = parsed.data.sentAt
    } else {
      if (body.type !== undefined && body.type != route)
        throw new HttpError(400, 'invalid_message', `type: "${String(body.type)}" cannot be sent to /v1/${route}: use /v1/batch or /v1/${String(body.type)}`, { path: 'type' })
      const { writeKey: _, ...message } = body
      messages = [{ ...message, type: route }]
    }

    const wait = deps.limit(project.writeKey, messages.length)
    if (wait)
      throw new HttpError(429, 'rate_limited', `Too many messages for this write key: retry in ${Math.ceil(wait / 1000)} s`, {
        headers: { 'Retry-After': String(Math.ceil(wait / 1000)) },
      })

    const receivedAt = deps.now()
    const rows: Row[] = []
    const rejected: { index: number; message: string; path?: string }[] = []
    /** What the quarantine keeps of each rejected message: valid JSON, at most 32 KB. */
    const kept: string[] = []
    messages.forEach((input, index) => {
      // depth first: stringifying a message nested thousands deep would overflow the stack
      const unsafe = unsafeJson(input)
      const raw = unsafe ? '' : JSON.stringify(withoutIp(input))
      const fault =
        unsafe ?? (Buffer.byteLength(raw) > MAX_MESSAGE ? { path: '', message: `the message is larger than ${MAX_MESSAGE / 1024} KB: send less in properties or traits` } : undefined)
      const result = fault ? ({ ok: false, ...fault } as const) : validateMessage(input)
      if (!result.ok) {
        rejected.push({ index, message: result.path ? `${result.path}: ${result.message}` : result.message, ...(result.path && { path: result.path }) })
        kept.push(raw && raw.length <= MAX_MESSAGE ? raw : JSON.stringify(raw ? `${raw.slice(0, MAX_MESSAGE)}…` : '(too deep to keep)'))
        return
      }
      rows.push(toRow(project.id, result.message, raw, bodySentAt, receivedAt))
    })

    if (rows.length) await deps.write(rows)
    if (!rejected.length) return c.json({ success: true })
    const stored = messages.length - rejected.length
    try {
      await deps.quarantine(
        project.id,
        receivedAt,
        rejected.map((r, i) => ({ reason: r.message, payload: kept[i]! })),
      )
    } catch (error) {
      // Not the generic 500 ("nothing of it was stored"): the valid ones were. A retry stores them once and keeps the rest.
      console.error(error)
      throw new HttpError(500, 'quarantine_failed', `${stored} of ${messages.length} messages were stored, but the ${rejected.length} rejected could not be kept in the quarantine: retry the batch`)
    }
    throw new HttpError(
      400,
      'invalid_messages',
      `${rejected.length} of ${messages.length} messages were rejected${stored ? `; the other ${stored} were stored` : ''}: see "rejected" for which and why`,
      { rejected },
    )
  }

  const app = new Hono()
  app.post('/v1/batch', (c) => handle(c, 'batch'))
  for (const type of TYPES) app.post(`/v1/${type}`, (c) => handle(c, type))
  // analytics.js (analytics-next) posts to its host's /v1/b, /v1/t, /v1/i, /v1/g and /v1/p
  app.post('/v1/b', (c) => handle(c, 'batch'))
  for (const type of TYPES) app.post(`/v1/${type[0]}`, (c) => handle(c, type))
  return app
}
