// The only file that reads the environment and listens.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { checkHealth, deliver } from './alerts'
import { createApp } from './app'
import { loadConfig, parseConfig, type Config } from './config'
import { openDb, type DbOptions } from './db/index'
import { sweep as sweepExpired } from './db/persons'
import { startDbThread } from './db/thread'
import type { WriterRequest } from './db/writer-thread'
import type { ReaderRequest } from './metrics/reader-thread'
import { defaultRateLimit } from './ratelimit'

export const newKey = (prefix: 'wk' | 'rk') => `${prefix}_${randomBytes(18).toString('base64url')}`

/** With no config file the collector still starts, on a demo project whose keys it prints. */
export function demoConfig(port: number): Config {
  return parseConfig({
    projects: [
      {
        id: 'demo',
        name: 'Demo SaaS',
        writeKey: newKey('wk'),
        readKey: newKey('rk'),
        allowedOrigins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
        activation: { valueEvent: 'Report Shared' },
        onboarding: { steps: [{ id: 'create_project', name: 'Create a project' }, { id: 'invite_teammate', name: 'Invite a teammate' }] },
        features: [{ id: 'export_csv', name: 'CSV export' }],
      },
    ],
  })
}

export async function start(env: NodeJS.ProcessEnv = process.env) {
  const port = Number(env.PORT || 8787)
  const file = env.NORTHSTAR_CONFIG || './northstar.config.json'
  let config: Config
  if (existsSync(file)) config = loadConfig(file, env)
  else {
    config = demoConfig(port)
    const [demo] = config.projects
    console.log(`No ${file}: serving a demo project (write key ${demo!.writeKey}, read key ${demo!.readKey}). Run \`northstar init\` to write a config file.`)
  }
  const options: DbOptions = {
    url: env.DATABASE_URL || undefined,
    file: env.NORTHSTAR_DB || './.northstar/northstar.db',
    synchronous: env.NORTHSTAR_SYNCHRONOUS == 'FULL' ? 'FULL' : 'NORMAL',
  }
  // Metrics are read by a thread of their own (metrics/reader-thread.ts), and on SQLite events are written by
  // another, which also checkpoints (db/writer-thread.ts); this thread keeps reading requests meanwhile.
  // (PostgreSQL's writes are asynchronous: they wait here without holding the event loop.)
  // The built collector has both beside itself; run from sources (tests), this thread does it all.
  const script = (name: string) => new URL(`./collector-${name}.mjs`, import.meta.url)
  const threaded = existsSync(script('writer')) && existsSync(script('reader'))
  const sqliteWriter = threaded && !options.url
  const db = await openDb({ ...options, checkpoints: !sqliteWriter })
  const [writer, reader] = threaded
    ? await Promise.all([
        sqliteWriter ? startDbThread<WriterRequest, unknown>(script('writer'), { db: options, config }, 'SQLite writer') : undefined,
        startDbThread<ReaderRequest, unknown>(script('reader'), { db: { ...options, checkpoints: false }, config }, 'metrics reader'),
      ])
    : []
  const perSecond = env.NORTHSTAR_RATE_LIMIT === undefined ? defaultRateLimit.perSecond : Number(env.NORTHSTAR_RATE_LIMIT)
  const app = createApp({
    db,
    config,
    rateLimit: { perSecond, burst: perSecond * 10 },
    ...(writer && { write: (rows) => writer.call({ rows }) }),
    ...(reader && { read: (request) => reader.call(request) }),
  })
  const server = serve({ fetch: app.fetch, port, hostname: env.HOST || '0.0.0.0' }, (info) =>
    console.log(`Northstar collector on http://localhost:${info.port} (${db.dialect}${db.dialect == 'sqlite' ? `: ${env.NORTHSTAR_DB || './.northstar/northstar.db'}` : ''}), ${config.projects.length} project(s)`),
  )
  // retentionDays: delete older raw events now and every hour; then refresh the planner's statistics
  const sweep = () =>
    (writer ? writer.call({ sweep: Date.now() }) : sweepExpired(db, config.projects, Date.now())).catch((error) => console.error('Retention sweep failed:', error))
  void sweep()
  // alerts: health checked hourly, the outbox drained every few seconds (and after a restart)
  const check = () => (reader ? reader.call({ check: Date.now() }) : checkHealth(db, config, Date.now())).catch((error) => console.error('Alert check failed:', error))
  void check()
  let delivering = false
  const timers = [
    setInterval(sweep, 3_600_000),
    setInterval(check, 3_600_000),
    setInterval(() => {
      if (delivering) return
      delivering = true
      deliver(db, Date.now)
        .catch((error) => console.error('Alert delivery failed:', error))
        .finally(() => (delivering = false))
    }, 5_000),
  ]
  for (const timer of timers) timer.unref()
  const stop = () => {
    for (const timer of timers) clearInterval(timer) // none may start on a database being closed
    // Finish what is in flight (each answered only after its commit), then close the database.
    server.close(() => void Promise.all([writer?.close(), reader?.close(), db.close()]).then(() => process.exit(0)))
    // idle keep-alive connections would otherwise hold close() until they time out
    ;(server as { closeIdleConnections?: () => void }).closeIdleConnections?.()
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  return server
}
