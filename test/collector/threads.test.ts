// The SQLite writer and the metrics reader in worker threads (dist/collector-writer.mjs
// and dist/collector-reader.mjs, as `northstar start` runs them; on PostgreSQL the reader
// only): the same answers and guarantees as in process, with the main thread's own
// transactions taking the write lock when they begin.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { openDb, type Db } from '../../collector/db/index'
import { toRow } from '../../collector/routes/ingest'
import { parseQuery } from '../../collector/routes/metrics'
import { validateMessage } from '../../collector/schemas'
import { startDbThread } from '../../collector/db/thread'
import type { WriterRequest } from '../../collector/db/writer-thread'
import type { ReaderRequest } from '../../collector/metrics/reader-thread'
import { config, dialects, iso, NOW, openTestDb, post, postgresUrl, stopPostgres, storedIds, testApp, track } from './harness'

const script = (name: string) => new URL(`../../dist/collector-${name}.mjs`, import.meta.url)
beforeAll(() => {
  for (const name of ['writer', 'reader'])
    if (!existsSync(script(name))) throw new Error(`dist/collector-${name}.mjs is missing: run \`npm run build\` first (npm test does)`)
})
const startWriterThread = (data: Parameters<typeof startDbThread>[1]) => startDbThread<WriterRequest, unknown>(script('writer'), data, 'SQLite writer')

afterAll(() => stopPostgres())

const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The main thread's connection (no checkpointer: the writer has it), the writer and the reader thread, on one new file. */
async function threaded() {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-threads-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'northstar.db')
  const db = await openDb({ file, checkpoints: false })
  cleanups.push(() => db.close())
  const writer = await startWriterThread({ db: { file }, config })
  cleanups.push(() => writer.close())
  const reader = await startDbThread<ReaderRequest, unknown>(script('reader'), { db: { file, checkpoints: false }, config }, 'metrics reader')
  cleanups.push(() => reader.close())
  return { db, writer, reader, app: testApp(db, { write: (rows) => writer.call({ rows }), read: (request) => reader.call(request) }) }
}

const answer = (fields: Record<string, unknown>) =>
  track({ event: '$survey_response', userId: 'ann', properties: { surveyId: 'nps-main', type: 'nps', ...fields } })

test('stores what the app accepts through the thread, answering once committed, a retried batch once', async () => {
  const { db, app } = await threaded()
  const batch = { writeKey: 'wk_demo', batch: [track({ messageId: 'a' }), track({ messageId: 'b' })] }
  expect((await post(app, '/v1/batch', batch)).status).toBe(200)
  expect(await storedIds(db)).toEqual(['a', 'b']) // read by the main thread's own connection
  const [again, more] = await Promise.all([post(app, '/v1/batch', batch), post(app, '/v1/track', { writeKey: 'wk_demo', ...track({ messageId: 'c' }) })])
  expect([again.status, more.status]).toEqual([200, 200])
  expect(await storedIds(db)).toEqual(['a', 'b', 'c'])
})

test('writes the alert outbox in the same transaction as the answer that causes it', async () => {
  const { db, app } = await threaded()
  const res = await post(app, '/v1/batch', { writeKey: 'wk_saas', batch: [answer({ score: 3, comment: 'too slow' })] })
  expect(res.status).toBe(200)
  const alerts = await db.kysely.selectFrom('alerts').select(['cause', 'subject', 'status']).execute()
  expect(alerts).toEqual([{ cause: 'detractor', subject: 'u:ann/nps-main', status: 'pending' }])
})

test('a write the database refuses fails with its error, and the thread goes on writing', async () => {
  const { db, writer, app } = await threaded()
  await sql`create trigger refuse before insert on events when new.message_id = 'bad' begin select raise(abort, 'refused by a trigger'); end`.execute(db.kysely)
  const refused = await post(app, '/v1/batch', { writeKey: 'wk_demo', batch: [track({ messageId: 'bad' })] })
  expect(refused.status).toBe(500)
  await expect(writer.call({ rows: [] })).resolves.toBeUndefined() // still alive
  expect((await post(app, '/v1/batch', { writeKey: 'wk_demo', batch: [track({ messageId: 'good' })] })).status).toBe(200)
  expect(await storedIds(db)).toEqual(['good'])
})

test('close() answers what was asked before it, a write committed and a metric, then takes no more', async () => {
  const { db, writer, reader } = await threaded()
  const input = track({ messageId: 'last', timestamp: iso(NOW) })
  const valid = validateMessage(input)
  if (!valid.ok) throw new Error(valid.message)
  const saas = config.projects.find((p) => p.id == 'saas')!
  // asked before close(), without waiting for the answers
  const written = writer.call({ rows: [toRow('demo', valid.message, JSON.stringify(input), undefined, NOW)] })
  const read = reader.call({ name: 'onboarding', query: parseQuery('onboarding', new URLSearchParams(), saas, NOW) })
  await Promise.all([writer.close(), reader.close()])
  await written
  expect(await read).toMatchObject({ cohort: 0 })
  expect(await storedIds(db)).toEqual(['last'])
  await expect(writer.call({ rows: [] })).rejects.toThrow('The SQLite writer thread is closed')
})

test('does not start on a database it cannot open, and says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-threads-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  // a folder where the database file should be
  await expect(startWriterThread({ db: { file: dir }, config })).rejects.toThrow(/unable to open|directory/i)
})

test('a SQLite transaction takes the write lock when it begins, so another connection cannot commit between its reads and its writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-threads-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'northstar.db')
  const db: Db = await openDb({ file, checkpoints: false })
  cleanups.push(() => db.close())
  const other = new SQLite(file, { timeout: 0 })
  cleanups.push(() => other.close())
  await db.kysely.transaction().execute(async (trx) => {
    await trx.selectFrom('alerts').select('status').execute() // only a read so far
    // A deferred BEGIN would let this commit, and the transaction's first write would then fail with SQLITE_BUSY
    expect(() => other.exec("insert into quarantine (project_id, received_at, reason, payload) values ('p', 0, 'r', '{}')")).toThrow(/database is locked/)
  })
  other.exec("insert into quarantine (project_id, received_at, reason, payload) values ('p', 0, 'r', '{}')")
})

test('a connection opened without checkpoints never checkpoints on commit', async () => {
  const { db } = await threaded()
  expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely)).rows[0]!.wal_autocheckpoint).toBe(0)
})

/** On PostgreSQL, the reader thread alone (writes are asynchronous there: they stay on the main thread). */
async function readerOnPostgres() {
  const { db, close } = await openTestDb('postgres')
  cleanups.push(close)
  const reader = await startDbThread<ReaderRequest, unknown>(script('reader'), { db: { url: await postgresUrl() }, config }, 'metrics reader')
  cleanups.push(() => reader.close())
  return { db, app: testApp(db, { read: (request) => reader.call(request) }) }
}

test.each(dialects)('the reader thread answers every metric route, JSON and CSV, as the main thread would, on %s', async (dialect) => {
  const { db, app } = dialect == 'sqlite' ? await threaded() : await readerOnPostgres()
  const day = 86_400_000
  const batch = [
    track({ userId: 'ann', type: 'identify', traits: { createdAt: iso(NOW - 9 * day), plan: 'pro' }, timestamp: iso(NOW - 9 * day) }),
    track({ userId: 'ann', event: 'Report Shared', timestamp: iso(NOW - 5 * day) }),
    track({ userId: 'ann', event: '$step', properties: { step: 'create_project' }, timestamp: iso(NOW - 8 * day) }),
    answer({ score: 9, comment: '=cmd' }),
  ]
  expect((await post(app, '/v1/batch', { writeKey: 'wk_saas', batch })).status).toBe(200)
  const inProcess = testApp(db)
  for (const name of ['ttv', 'onboarding', 'satisfaction', 'features', 'sessions', 'retention', 'health', 'surveys'])
    for (const format of ['json', 'csv']) {
      const ask = (on: typeof app) => on.request(`/v1/metrics/${name}?format=${format}`, { headers: { Authorization: 'Bearer rk_saas' } })
      const [threadAnswer, localAnswer] = await Promise.all([ask(app), ask(inProcess)])
      expect([name, format, threadAnswer.status]).toEqual([name, format, 200])
      expect(await threadAnswer.text()).toBe(await localAnswer.text())
    }
})

test('a metric the config cannot answer is still the 400 that names the key to add, from the reader thread', async () => {
  const { app } = await threaded()
  const res = await app.request('/v1/metrics/ttv', { headers: { Authorization: 'Bearer rk_demo' } })
  expect(res.status).toBe(400)
  expect(await res.json()).toEqual({ error: expect.objectContaining({ code: 'not_configured', path: 'activation.valueEvent' }) })
})

test('the writer thread runs the retention sweep: events past retentionDays go, the per-person state stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-threads-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'northstar.db')
  const db = await openDb({ file, checkpoints: false })
  cleanups.push(() => db.close())
  const kept = { ...config, projects: config.projects.map((p) => (p.id == 'demo' ? { ...p, retentionDays: 30 } : p)) }
  const writer = await startWriterThread({ db: { file }, config: kept })
  cleanups.push(() => writer.close())
  const app = testApp(db, { write: (rows) => writer.call({ rows }) })
  const day = 86_400_000
  await post(app, '/v1/batch', { writeKey: 'wk_demo', batch: [track({ messageId: 'old', timestamp: iso(NOW - 40 * day) }), track({ messageId: 'new', timestamp: iso(NOW - day) })] })
  await writer.call({ sweep: NOW })
  expect(await storedIds(db)).toEqual(['new'])
  expect(await db.kysely.selectFrom('actors').select('first_time').execute()).toEqual([{ first_time: NOW - 40 * day }])
})

test('the reader thread runs the health check of the alerts, writing what it finds to the outbox', async () => {
  const { db, reader, app } = await threaded()
  const day = 86_400_000
  // an account active every day (neutral at the check a month ago), then gone quiet, with tickets and late payments: it falls
  const visits = Array.from({ length: 30 }, (_, i) => track({ userId: 'm', type: 'page', timestamp: iso(NOW - (60 - i) * day) }))
  const joined = track({ userId: 'm', type: 'group', groupId: 'acme', timestamp: iso(NOW - 61 * day) })
  expect((await post(app, '/v1/batch', { writeKey: 'wk_saas', batch: [joined, ...visits] })).status).toBe(200)
  await reader.call({ check: NOW - 30 * day })
  const late = track({ userId: 'm', type: 'group', groupId: 'acme', traits: { supportTickets: 9, paymentsCurrent: false }, timestamp: iso(NOW - 31 * day) })
  expect((await post(app, '/v1/batch', { writeKey: 'wk_saas', batch: [late] })).status).toBe(200)
  await reader.call({ check: NOW })
  const alerts = await db.kysely.selectFrom('alerts').select(['cause', 'subject']).orderBy('cause').execute()
  expect(alerts).toEqual([
    { cause: 'at_risk', subject: 'acme' },
    { cause: 'usage_drop', subject: 'acme' },
  ])
})

test('a thread that dies fails the requests in flight, and the next request starts it again', async () => {
  const echo = await startDbThread<string, string>(new URL('./fixtures/echo-thread.mjs', import.meta.url), { db: {}, config }, 'echo')
  cleanups.push(() => echo.close())
  expect(await echo.call('one')).toMatch(/^one@/)
  await expect(echo.call('crash')).rejects.toThrow('The echo thread stopped (exit code 3)')
  expect(await echo.call('two')).toMatch(/^two@/)
})

test('a thread that dies of an error is replaced once: its exit, which follows, leaves the new thread alone', async () => {
  const echo = await startDbThread<string, string>(new URL('./fixtures/echo-thread.mjs', import.meta.url), { db: {}, config }, 'echo')
  cleanups.push(() => echo.close())
  await expect(echo.call('throw')).rejects.toThrow('thrown in the thread')
  const next = await echo.call('two') // started at once, before the dead thread's exit
  await new Promise((resolve) => setTimeout(resolve, 200))
  const after = await echo.call('three')
  expect(after.split('@')[1]).toBe(next.split('@')[1]) // the same thread, not a third one
})
