// What the collector tests share: a real database of each dialect (a SQLite
// file in a temp folder; a throwaway PostgreSQL cluster), a two-project
// config, and request helpers for app.request().
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { createApp, type AppDeps } from '../../collector/app'
import { parseConfig } from '../../collector/config'
import { openDb, type Db, type Dialect } from '../../collector/db/index'
import { migrations } from '../../collector/db/migrations'
import { startPostgres, type Postgres } from '../postgres'
import saas from '../saas-project.json' with { type: 'json' }

export const dialects: Dialect[] = ['sqlite', 'postgres']

export const config = parseConfig({
  projects: [
    {
      id: 'demo',
      name: 'Demo SaaS',
      writeKey: 'wk_demo',
      readKey: 'rk_demo',
      previousWriteKeys: ['wk_demo_old'],
      allowedOrigins: ['http://app.test'],
      surveys: [
        { id: 'nps-main', type: 'nps', question: 'How likely are you to recommend us?' },
        { id: 'csat-old', type: 'csat', active: false },
      ],
    },
    { id: 'other', name: 'Other', writeKey: 'wk_other', readKey: 'rk_other', allowedOrigins: ['http://other.test'] },
    {
      ...saas,
      webhooks: [{ url: 'http://hooks.test/northstar', on: ['detractor', 'low_csat', 'at_risk', 'usage_drop'] }],
    },
  ],
})

let postgres: Promise<Postgres> | undefined

/** A fresh, migrated database of the dialect; PostgreSQL's cluster is shared by a test file and dropped after it. */
export async function openTestDb(dialect: Dialect): Promise<{ db: Db; close(): Promise<void> }> {
  if (dialect == 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'northstar-sqlite-'))
    const db = await openDb({ file: join(dir, 'northstar.db') })
    return { db, close: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) }
  }
  postgres ??= startPostgres()
  const pg = await postgres
  const db = await openDb({ url: pg.url })
  await clear(db)
  return { db, close: () => db.close() }
}

/** A suite's database: opened before its tests, emptied after each, closed after all. */
export function useTestDb(dialect: Dialect, ready: (db: Db) => void) {
  let db: Db
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ db, close } = await openTestDb(dialect))
    ready(db)
  })
  afterEach(() => clear(db))
  afterAll(() => close())
}

/** The URL of the test cluster's database (started if need be). */
export const postgresUrl = async () => (await (postgres ??= startPostgres())).url

export async function stopPostgres() {
  await (await postgres)?.stop()
  postgres = undefined
}

/**
 * An upgrade: a SQLite file migrated up to `version` and given rows by `seed` on that schema, then opened by
 * openDb, which runs the migrations after it; `check` looks at the result.
 */
export async function afterUpgrade(version: string, seed: (old: Kysely<any>) => Promise<void>, check: (db: Db) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-upgrade-'))
  try {
    const file = join(dir, 'northstar.db')
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(file) }) })
    try {
      const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => migrations('sqlite') } }).migrateTo(version)
      if (error) throw error
      await seed(old)
    } finally {
      await old.destroy()
    }
    const db = await openDb({ file, checkpoints: false })
    try {
      await check(db)
    } finally {
      await db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function clear(db: Db) {
  for (const table of ['events', 'actors', 'firsts', 'traits', 'memberships', 'sessions', 'quarantine', 'activity', 'alerts', 'health_state', 'persons', 'person_traits'] as const) await db.kysely.deleteFrom(table).execute()
}

export function testApp(db: Db, deps: Partial<AppDeps> = {}) {
  return createApp({ db, config, now: () => NOW, ...deps })
}

/** The collector's clock in these tests. */
export const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)
export const iso = (ms: number) => new Date(ms).toISOString()

let n = 0
/** A valid track message; override what the test is about. */
export const track = (fields: Record<string, unknown> = {}) => ({
  type: 'track',
  messageId: `m-${++n}`,
  anonymousId: 'anon-1',
  event: 'Clicked',
  timestamp: iso(NOW - 1000),
  ...fields,
})

type App = ReturnType<typeof testApp>
export interface Send {
  headers?: Record<string, string>
  gzip?: boolean
}

/** POSTs like the browser SDK: text/plain, the write key in the body. */
export function post(app: App, path: string, body: unknown, { headers = {}, gzip = false }: Send = {}) {
  const text = typeof body == 'string' ? body : JSON.stringify(body)
  return app.request(path, {
    method: 'POST',
    body: gzip ? gzipSync(text) : text,
    headers: { 'Content-Type': 'text/plain', ...(gzip && { 'Content-Encoding': 'gzip' }), ...headers },
  })
}

export const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`

export async function storedIds(db: Db, project = 'demo') {
  const rows = await db.kysely.selectFrom('events').select('message_id').where('project_id', '=', project).orderBy('message_id').execute()
  return rows.map((r) => r.message_id)
}
