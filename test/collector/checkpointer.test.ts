// SQLite checkpoints run in a worker thread, off the commit path: what is
// committed reaches the database file itself without the writer copying it.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, sql } from 'kysely'
import { afterEach, expect, test } from 'vitest'
import { startCheckpointer } from '../../collector/db/checkpointer'
import { ImmediateSqliteDialect, openDb } from '../../collector/db/index'
import { until } from '../e2e/helpers'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** The quarantined rows as the database file alone has them, without its WAL: a copy read on its own. */
function inFileAlone(file: string): number {
  const copy = `${file}.copy`
  copyFileSync(file, copy)
  const db = new SQLite(copy, { readonly: true })
  try {
    const table = db.prepare("select 1 from sqlite_master where name = 'quarantine'").get()
    return table ? (db.prepare('select count(*) as n from quarantine').get() as { n: number }).n : 0
  } finally {
    db.close()
  }
}

test('copies committed writes into the database file from a worker, with the writer never checkpointing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-checkpoint-'))
  dirs.push(dir)
  const file = join(dir, 'northstar.db')
  const db = await openDb({ file })
  expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely)).rows[0]!.wal_autocheckpoint).toBe(0)
  for (let i = 0; i < 50; i++)
    await db.kysely.insertInto('quarantine').values({ project_id: 'p', received_at: i, reason: 'test', payload: '{}' }).execute()
  await until(() => inFileAlone(file) == 50, 'the rows in the database file itself', { timeout: 10_000 })
  await db.close() // and the worker with it: the test runner would hang on a live thread otherwise
})

test('lets the writer checkpoint again when the worker fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-checkpoint-'))
  dirs.push(dir)
  const database = new SQLite(join(dir, 'northstar.db'))
  database.pragma('journal_mode = WAL')
  // the worker cannot open this file: it ends with an error at once
  const checkpointer = startCheckpointer(database, join(dir, 'missing', 'northstar.db'))
  expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
  await until(() => database.pragma('wal_autocheckpoint', { simple: true }) == 10_000, 'the writer checkpointing itself again', { timeout: 10_000 })
  await checkpointer.stop()
  database.close()
})

/** A WAL database with a table t in a temp folder, and the WAL restarts run on it: whether each came inside a transaction. */
function watchedDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-checkpoint-'))
  dirs.push(dir)
  const file = join(dir, 'northstar.db')
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  database.pragma('busy_timeout = 5000')
  database.exec('create table t (x)')
  const restarts: boolean[] = []
  const pragma = database.pragma.bind(database)
  database.pragma = ((source: string, options?: SQLite.PragmaOptions) => {
    if (source == 'wal_checkpoint(RESTART)') restarts.push(database.inTransaction)
    return pragma(source, options)
  }) as typeof database.pragma
  return { file, database, restarts }
}

test('past the size limit, the writer’s own connection starts the WAL over, between its transactions only', async () => {
  const { file, database, restarts } = watchedDatabase()
  const checkpointer = startCheckpointer(database, file, 0) // every WAL is past a limit of 0 pages

  database.exec('begin immediate; insert into t values (1)')
  await new Promise((resolve) => setTimeout(resolve, 600)) // rounds of the worker, each asking for a restart
  checkpointer.restartIfAsked()
  expect(restarts).toEqual([])
  database.exec('commit')
  checkpointer.restartIfAsked()
  expect(restarts).toEqual([false])
  checkpointer.restartIfAsked() // asked once, restarted once
  expect(restarts).toEqual([false])
  expect(database.pragma('busy_timeout', { simple: true })).toBe(5000) // its own again: it never waits for a reader
  await checkpointer.stop()
  database.close()
})

test('the collector’s SQLite connection checks for a restart after every commit, not after a rollback', async () => {
  let checks = 0
  const kysely = new Kysely<{ t: { x: number } }>({ dialect: new ImmediateSqliteDialect({ database: new SQLite(':memory:') }, () => checks++) })
  await sql`create table t (x)`.execute(kysely)
  expect(checks).toBe(0)
  // a bulk load: transactions back to back, its event loop never free to read a message
  for (let i = 0; i < 3; i++) await kysely.transaction().execute((trx) => trx.insertInto('t').values({ x: i }).execute())
  expect(checks).toBe(3)
  await expect(kysely.transaction().execute(() => Promise.reject(new Error('no')))).rejects.toThrow('no')
  expect(checks).toBe(3)
  await kysely.destroy()
})

test('no restart is asked while a read in another connection holds an older snapshot', async () => {
  const { file, database, restarts } = watchedDatabase()
  const reader = new SQLite(file)
  reader.exec('begin; select * from t') // its snapshot: before the insert below
  database.exec('insert into t values (1)')
  const checkpointer = startCheckpointer(database, file, 0)
  await new Promise((resolve) => setTimeout(resolve, 600)) // rounds of the worker, each stopped short by the read
  checkpointer.restartIfAsked()
  expect(restarts).toEqual([])
  reader.exec('commit')
  await until(() => (checkpointer.restartIfAsked(), restarts.length), 'a restart once the read is over', { timeout: 10_000 })
  await checkpointer.stop()
  reader.close()
  database.close()
})
