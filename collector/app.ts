// createApp(deps) builds the collector; it never listens (server.ts does).
// Tests call app.request() in-process, and separately over a real socket.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { Hono } from 'hono'
import { answerAlerts, listAlerts } from './alerts'
import type { Config } from './config'
import type { Db } from './db/index'
import { erasePerson, exportPerson } from './db/persons'
import { listQuarantine, quarantine } from './db/quarantine'
import type { Row } from './db/ingest'
import { createWriter } from './db/writer'
import { cors, errorResponse, HttpError, indexKeys, readProject, writeProject } from './http'
import { dashboard } from './dashboard/index'
import { openapi } from './openapi'
import { servedSurveys } from './surveys'
import { createRateLimiter, defaultRateLimit, type RateLimit } from './ratelimit'
import { readMetric, type Read } from './metrics/index'
import { ingestRoutes } from './routes/ingest'
import { metricRoutes } from './routes/metrics'

export interface AppDeps {
  db: Db
  config: Config
  now?: () => number
  rateLimit?: RateLimit
  /** Where the built SDK is served from (dist/). */
  dist?: string
  /** Stores validated rows, resolving once committed (default: db/writer.ts's group commit on `db`). */
  write?: (rows: Row[]) => Promise<unknown>
  /** Runs a metric (default: on `db`, in this thread). */
  read?: (request: Read) => Promise<unknown>
}

const etag = (body: string) => `"${createHash('sha1').update(body).digest('base64url')}"`

/** How many rows a list route answers: `limit`, 1 to 1000 (default 100), or a 400 that says so. */
function listLimit(sent: string | undefined): number {
  if (sent == null) return 100
  const limit = Number(sent)
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new HttpError(400, 'invalid_parameter', `limit: "${sent}" is not a whole number from 1 to 1000`, { path: 'limit' })
  return limit
}

export function createApp({ db, config, now = Date.now, rateLimit = defaultRateLimit, dist = new URL('../dist/', import.meta.url).pathname, write, read }: AppDeps) {
  const keys = indexKeys(config.projects)
  const app = new Hono()

  app.onError((error, c) => errorResponse(c, error))
  app.notFound((c) => errorResponse(c, new HttpError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}: see /openapi.json`)))
  app.use(cors(keys))

  app.route(
    '/',
    ingestRoutes({
      keys,
      now,
      write: write ?? createWriter(db, answerAlerts(config, now)),
      quarantine: (projectId, receivedAt, items) => quarantine(db, projectId, receivedAt, items),
      limit: createRateLimiter(rateLimit, now),
    }),
  )

  app.route('/', metricRoutes({ keys, now, read: read ?? ((request) => readMetric(db, request)) }))

  // Each page view asks for its project's surveys, which follow from the config alone: made once, not per request
  const served = new Map(
    config.projects.map((p) => {
      const body = JSON.stringify({ surveys: servedSurveys(p.surveys, p.onboarding.steps, p.activation?.valueEvent) })
      return [p.id, { body, tag: etag(body) }]
    }),
  )
  app.get('/v1/surveys', (c) => {
    const project = writeProject(keys, c, c.req.query('writeKey'))
    const { body, tag } = served.get(project.id)!
    c.header('Cache-Control', 'max-age=60')
    c.header('ETag', tag)
    if (c.req.header('if-none-match') == tag) return c.body(null, 304)
    return c.body(body, 200, { 'Content-Type': 'application/json' })
  })

  app.get('/v1/quarantine', async (c) => {
    const project = readProject(keys, c)
    const rows = await listQuarantine(db, project.id, listLimit(c.req.query('limit')))
    return c.json({ rejected: rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) })) })
  })

  app.get('/v1/alerts', async (c) => {
    const project = readProject(keys, c)
    return c.json({ alerts: await listAlerts(db, project.id, listLimit(c.req.query('limit'))) })
  })

  // GDPR: erasure and export of a person (read key)
  app.delete('/v1/persons/:userId', async (c) => {
    const project = readProject(keys, c)
    return c.json({ deleted: await erasePerson(db, project.id, c.req.param('userId')) })
  })
  app.get('/v1/persons/:userId/export', async (c) => {
    const project = readProject(keys, c)
    return c.json(await exportPerson(db, project.id, c.req.param('userId')))
  })

  app.get('/healthz', async (c) => {
    try {
      await sql`select 1`.execute(db.kysely)
      return c.json({ ok: true, database: db.dialect })
    } catch {
      throw new HttpError(503, 'database_unreachable', 'The database does not answer')
    }
  })

  const spec = JSON.stringify(openapi())
  app.get('/openapi.json', (c) => c.body(spec, 200, { 'Content-Type': 'application/json' }))

  // The SDK, served by the collector it reports to: the snippet loads `${host}/northstar.js`.
  for (const file of ['northstar.js', 'northstar.dev.js', 'northstar.mjs', 'northstar-widget.js', 'northstar-widget.mjs']) {
    app.get(`/${file}`, (c) => {
      const path = `${dist}${file}`
      if (!existsSync(path)) throw new HttpError(404, 'not_built', `${file} is not built: run \`npm run build\``)
      const body = readFileSync(path, 'utf8')
      c.header('Cache-Control', 'public, max-age=300')
      c.header('ETag', etag(body))
      return c.body(body, 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
    })
  }

  app.route('/', dashboard(config, db.dialect))

  return app
}
