// GET /v1/metrics/<name>: validate the parameters, run the metric, answer JSON
// or CSV. The read key names the project; a write key can never read.
import { Hono } from 'hono'
import { rowsOf, toCsv } from '../csv'
import { HttpError, readProject, type Keys } from '../http'
import { metrics, type MetricName, type Query, type Read } from '../metrics/index'
import { checkZone, DAY, parseIsoTime, startOfDate } from '../metrics/time'

const COMMON = ['from', 'to', 'segment', 'tz', 'format']
const ACCEPTED: Record<MetricName, string[]> = {
  ttv: [...COMMON, 'within'],
  onboarding: COMMON,
  satisfaction: COMMON,
  features: COMMON,
  sessions: COMMON,
  retention: COMMON,
  health: [...COMMON, 'limit'],
  surveys: COMMON,
}

const MAX_WINDOW_DAYS = 3653
const EARLIEST = Date.UTC(1000, 0, 1)
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

const invalid = (path: string, message: string) => new HttpError(400, 'invalid_parameter', `${path}: ${message}`, { path })

/**
 * A time as ISO 8601 (no offset is UTC; a date alone is its midnight in tz) or epoch milliseconds. An offset's
 * `+` typed into a URL arrives as a space (form encoding): a space before an offset after the time is read as `+`.
 */
function time(name: string, sent: string | undefined, fallback: number, tz: string): number {
  if (sent == null) return fallback
  const value = sent.replace(/^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$/, '$1+$2')
  const t = /^-?\d+$/.test(value) ? Number(value) : parseIsoTime(value)
  if (t == null || !Number.isSafeInteger(t))
    throw invalid(name, `"${sent}" is not a time: send ISO 8601 (2026-11-01 or 2026-11-01T09:30:00Z) or epoch milliseconds (1793491200000)`)
  // Intl names the years before 1 AD by era, and a Date ends at ±8.64e15 ms: days in a time zone are found between
  if (t < EARLIEST || t > LATEST) throw invalid(name, `"${sent}" is not a time from the year 1000 to 9999: send one in that range`)
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? startOfDate(value, tz) : t
}

/** The query of a request, or a 400 that names the parameter and the accepted form. */
export function parseQuery(name: MetricName, params: URLSearchParams, project: Query['project'], now: number): Query & { format: 'json' | 'csv' } {
  for (const key of new Set(params.keys()))
    if (!ACCEPTED[name].includes(key)) throw invalid(key, `unknown parameter for /v1/metrics/${name}: it accepts ${ACCEPTED[name].join(', ')}`)
  const one = (key: string) => {
    const values = params.getAll(key)
    if (values.length > 1) throw invalid(key, 'given more than once: send it once')
    return values[0]
  }
  const tz = one('tz') ?? 'UTC'
  try {
    checkZone(tz)
  } catch {
    throw invalid('tz', `"${tz}" is not an IANA time zone: send e.g. tz=Europe/Berlin or tz=America/New_York`)
  }
  const to = time('to', one('to'), now, tz)
  const from = time('from', one('from'), to - 30 * DAY, tz)
  if (from >= to) throw invalid('from', `must be before to (the window is [from, to)): got from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()}`)
  // metrics walk a window day by day: ten years is plenty, and bounds what one request may cost
  if (to - from > MAX_WINDOW_DAYS * DAY) throw invalid('from', `the window may span at most ${MAX_WINDOW_DAYS} days (ten years): got ${Math.ceil((to - from) / DAY)}`)

  const segments = params.getAll('segment').map((s) => {
    const colon = s.indexOf(':')
    if (colon < 1) throw invalid('segment', `"${s}" is not trait:value: send e.g. segment=plan:pro (several segment parameters combine with AND)`)
    return { trait: s.slice(0, colon), value: s.slice(colon + 1) }
  })

  const withinDays = one('within')
  if (withinDays != null && !/^\d+(\.\d+)?$/.test(withinDays)) throw invalid('within', `"${withinDays}" is not a number of days: send e.g. within=14`)
  const within = withinDays == null ? undefined : Number(withinDays) * DAY

  const format = one('format') ?? 'json'
  if (format != 'json' && format != 'csv') throw invalid('format', `"${format}" is not a format: send format=json (the default) or format=csv`)

  const limitText = one('limit')
  // a CSV file lists every subject unless told otherwise
  const limit = limitText == null ? (format == 'csv' ? Number.MAX_SAFE_INTEGER : undefined) : Number(limitText)
  if (limitText != null && !(Number.isInteger(limit) && limit! > 0 && limit! <= 100_000)) throw invalid('limit', `"${limitText}" is not a whole number from 1 to 100000`)

  return { project, from, to, segments, tz, now, format, ...(within != null && { within }), ...(limit != null && { limit }) }
}

export interface MetricDeps {
  keys: Keys
  now: () => number
  /** Runs a metric: metrics/index.ts's readMetric, in this thread or in metrics/reader-thread.ts. */
  read(request: Read): Promise<unknown>
}

export function metricRoutes({ keys, now, read }: MetricDeps) {
  const app = new Hono()
  for (const name of Object.keys(metrics) as MetricName[]) {
    app.get(`/v1/metrics/${name}`, async (c) => {
      const project = readProject(keys, c)
      const query = parseQuery(name, new URL(c.req.url).searchParams, project, now())
      let data: Record<string, unknown>
      try {
        data = (await read({ name, query })) as Record<string, unknown>
      } catch (error) {
        const { name: kind, message } = error as Error
        if (kind == 'NotConfigured')
          throw new HttpError(400, 'not_configured', `Project "${project.id}" has no ${message} in northstar.config.json: add it to measure ${name}`, { path: message })
        throw error
      }
      if (query.format == 'json')
        return c.json({ metric: name, project: { id: project.id, name: project.name }, from: query.from, to: query.to, tz: query.tz, segments: query.segments, ...data })
      // satisfaction: the counted answers, comments included, so every figure can be recomputed by hand
      const rows = name == 'satisfaction' ? ((await read({ name: 'responses', query })) as Record<string, unknown>[]) : rowsOf(data)
      const file = `northstar-${project.id}-${name}-${new Date(query.from).toISOString().slice(0, 10)}-${new Date(query.to).toISOString().slice(0, 10)}.csv`
      return c.body(toCsv(rows), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${file}"` })
    })
  }
  return app
}
