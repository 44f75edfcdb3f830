// Hand-built data sets for the metric tests: messages sent through the real
// ingestion route (so event times, links and state are made as in production),
// then metrics asked through the read API.
import { beforeEach } from 'vitest'
import type { Db, Dialect } from '../../../collector/db/index'
import { config, iso, NOW, post, testApp, useTestDb } from '../harness'
import type { Project } from '../../../collector/config'

export const DAY = 86_400_000
export const HOUR = 3_600_000
export const MIN = 60_000
/** 2026-01-01 00:00 UTC, a Thursday. */
export const JAN1 = Date.UTC(2026, 0, 1)
export const jan = (day: number, hours = 0) => JAN1 + (day - 1) * DAY + hours * HOUR

let n = 0
type Fields = Record<string, unknown>
/** A message of `who` ({ anon } and/or { user }) at event time t. */
const message = (type: string, who: Who, t: number, fields: Fields) => ({
  type,
  messageId: `msg-${++n}`,
  ...(who.anon && { anonymousId: who.anon }),
  ...(who.user && { userId: who.user }),
  timestamp: iso(t),
  ...fields,
})
export interface Who {
  anon?: string
  user?: string
}
export const track = (who: Who, t: number, event: string, properties: Fields = {}, fields: Fields = {}) => message('track', who, t, { event, properties, ...fields })
export const identify = (who: Who, t: number, traits: Fields = {}) => message('identify', who, t, { traits })
export const group = (who: Who, t: number, groupId: string, traits: Fields = {}) => message('group', who, t, { groupId, traits })
export const page = (who: Who, t: number, fields: Fields = {}) => message('page', who, t, fields)
export const step = (who: Who, t: number, id: string) => track(who, t, '$step', { step: id })
export const feature = (who: Who, t: number, id: string) => track(who, t, '$feature', { feature: id })
export const answer = (who: Who, t: number, surveyId: string, type: string, score: number, comment?: string) =>
  track(who, t, '$survey_response', { surveyId, type, score, ...(comment != null && { comment }) })

/** A suite on one dialect (the file calls stopPostgres after all): `send` stores messages (each call one request), `metric` asks the read API. */
export function useMetrics(dialect: Dialect) {
  const ctx = {} as { db: Db; app: ReturnType<typeof testApp>; now: number }
  useTestDb(dialect, (db) => (ctx.db = db))
  beforeEach(() => {
    ctx.now = NOW
    ctx.app = testApp(ctx.db, { now: () => ctx.now })
  })

  async function send(messages: unknown[], extra: Fields = {}) {
    for (let i = 0; i < messages.length; i += 400) {
      const res = await post(ctx.app, '/v1/batch', { writeKey: 'wk_saas', batch: messages.slice(i, i + 400), ...extra })
      if (res.status != 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
    }
  }

  async function request(name: string, params: Record<string, string | number | string[]> = {}, key = 'rk_saas') {
    const search = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, typeof v == 'number' ? String(v) : (one as string))
    return ctx.app.request(`/v1/metrics/${name}?${search}`, { headers: { Authorization: `Bearer ${key}` } })
  }

  async function metric<T = any>(name: string, params: Record<string, string | number | string[]> = {}): Promise<T> {
    const res = await request(name, params)
    if (res.status != 200) throw new Error(`${name} answered ${res.status}: ${await res.text()}`)
    return res.json() as Promise<T>
  }

  /** Serves the metrics project with some of its config replaced. */
  function configure(change: Partial<Project>) {
    const projects = config.projects.map((p) => (p.id == 'saas' ? { ...p, ...change } : p))
    ctx.app = testApp(ctx.db, { now: () => ctx.now, config: { ...config, projects } })
  }

  return Object.assign(ctx, { send, metric, request, configure })
}
