// Storage: one Kysely query code base over two dialects. SQLite (better-sqlite3,
// a file, no setup) is the embedded default; PostgreSQL when DATABASE_URL is set.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type RawBuilder } from 'kysely'
import pg from 'pg'
import { startCheckpointer } from './checkpointer'
import { migrations } from './migrations'
import type { Tables } from './schema'

export type Dialect = 'sqlite' | 'postgres'

export interface Db {
  kysely: Kysely<Tables>
  dialect: Dialect
  /** Where a dialect spells a function differently: least / greatest of two values. */
  least(a: RawBuilder<unknown> | string, b: RawBuilder<unknown> | string): RawBuilder<number>
  greatest(a: RawBuilder<unknown> | string, b: RawBuilder<unknown> | string): RawBuilder<number>
  /** A JSON array of the values. */
  jsonArray(values: RawBuilder<unknown>[]): RawBuilder<unknown[]>
  /** A number inside a JSON text column, e.g. `properties.engagedMs` of the message. */
  jsonNumber(column: string, path: string[]): RawBuilder<number | null>
  /** A string inside a JSON text column, e.g. `properties.step` of the message. */
  jsonString(column: string, path: string[]): RawBuilder<string | null>
  /** Refreshes the query planner's statistics where they are stale (SQLite; PostgreSQL's autovacuum does it). */
  optimize(): Promise<void>
  /** Exact statistics of every table, after a migration changed them. */
  analyze(): Promise<void>
  close(): Promise<void>
}

export interface DbOptions {
  /** postgres://… to use PostgreSQL; otherwise SQLite at `file`. */
  url?: string
  /** The SQLite file (default ./.northstar/northstar.db); ':memory:' for a throwaway one. */
  file?: string
  /** SQLite's synchronous setting: NORMAL survives a process crash, FULL also a power loss. */
  synchronous?: 'NORMAL' | 'FULL'
  /**
   * SQLite: checkpoint the WAL in a worker thread (default true). False where another
   * connection to the file, the one that does most writing, has the checkpointer:
   * this one then never checkpoints on commit either.
   */
  checkpoints?: boolean
}

// pg returns int8 (bigint, count(*)) and numeric as strings: parse them, or the two databases answer differently.
const INT8 = 20
const NUMERIC = 1700
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid == INT8 || oid == NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

export async function openDb(options: DbOptions = {}): Promise<Db> {
  const ref = (x: RawBuilder<unknown> | string) => (typeof x == 'string' ? sql.ref(x) : x)
  let db: Db
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, types, max: 10 })
    const kysely = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) })
    db = {
      kysely,
      dialect: 'postgres',
      least: (a, b) => sql<number>`least(${ref(a)}, ${ref(b)})`,
      greatest: (a, b) => sql<number>`greatest(${ref(a)}, ${ref(b)})`,
      jsonArray: (values) => sql<unknown[]>`json_build_array(${sql.join(values)})`,
      jsonNumber: (column, path) => sql<number | null>`(${sql.ref(column)}::json #>> ${`{${path.join(',')}}`})::float8`,
      jsonString: (column, path) => sql<string | null>`${sql.ref(column)}::json #>> ${`{${path.join(',')}}`}`,
      optimize: async () => {},
      analyze: async () => void (await sql`analyze`.execute(kysely)),
      close: () => kysely.destroy(),
    }
  } else {
    const file = options.file ?? '.northstar/northstar.db'
    if (file != ':memory:') mkdirSync(dirname(file), { recursive: true })
    const database = new SQLite(file)
    // WAL: readers never block the writer. NORMAL: a commit survives a crash of this process (not a power loss).
    database.pragma('journal_mode = WAL')
    database.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`)
    database.pragma('busy_timeout = 5000')
    // Checkpoints off the commit path, in a worker thread (a memory database has no WAL)
    if (options.checkpoints == false) database.pragma('wal_autocheckpoint = 0')
    const checkpointer = file == ':memory:' || options.checkpoints == false ? undefined : startCheckpointer(database, file)
    // Statistics for the query planner, or it may pick a worse index: it read a window's events by time
    // rather than by name (sqlite.org/lang_analyze.html#req: optimize at open, with a bounded analysis, and periodically)
    database.pragma('analysis_limit = 1000')
    const kysely = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: reusingStatements(database) }, () => checkpointer?.restartIfAsked()) })
    db = {
      kysely,
      dialect: 'sqlite',
      least: (a, b) => sql<number>`min(${ref(a)}, ${ref(b)})`,
      greatest: (a, b) => sql<number>`max(${ref(a)}, ${ref(b)})`,
      jsonArray: (values) => sql<unknown[]>`json_array(${sql.join(values)})`,
      jsonNumber: (column, path) => sql<number | null>`json_extract(${sql.ref(column)}, ${`$.${path.join('.')}`})`,
      jsonString: (column, path) => sql<string | null>`json_extract(${sql.ref(column)}, ${`$.${path.join('.')}`})`,
      optimize: async () => void (await sql`pragma optimize = 0x10002`.execute(kysely)),
      analyze: async () => {
        database.pragma('analysis_limit = 0')
        database.exec('analyze')
        database.pragma('analysis_limit = 1000')
      },
      close: async () => {
        await checkpointer?.stop()
        await kysely.destroy()
      },
    }
  }
  try {
    // After a migration, exact statistics: a table it rebuilt would otherwise get approximate ones (analysis_limit)
    // beside the exact ones of the others, and mislead the planner. After migration 009, SQLite started a join of a
    // month's survey answers from all of a project's persons: 2.3 s at 1M events, where a full ANALYZE takes 1.7 s once.
    if ((await migrate(db)).length) await db.analyze()
    else await db.optimize()
  } catch (error) {
    await db.close() // and SQLite's checkpoint worker with it
    throw error
  }
  return db
}

/**
 * Transactions that take the write lock when they begin (BEGIN IMMEDIATE), waiting up to
 * busy_timeout for it. Kysely's plain BEGIN defers that to the first write, and a transaction
 * that read first then fails at once with SQLITE_BUSY, without waiting, if another connection
 * (the writer thread, another process) committed in between (sqlite.org/lang_transaction.html).
 * After each commit, `afterCommit` (the checkpointer's WAL restart, between two transactions).
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly afterCommit: () => void,
  ) {
    super(config)
  }

  override createDriver() {
    const driver = super.createDriver()
    driver.beginTransaction = (connection) => connection.executeQuery(CompiledQuery.raw('begin immediate')).then(() => {})
    const commit = driver.commitTransaction.bind(driver)
    driver.commitTransaction = (connection) => commit(connection).then(() => this.afterCommit())
    return driver
  }
}

/**
 * Kysely prepares every query anew; preparing a 500-row insert costs ~0.7 ms. Keep the
 * last statements by their SQL text (one connection, serialised by Kysely: never in use twice).
 */
function reusingStatements(database: SQLite.Database, size = 256) {
  const statements = new Map<string, SQLite.Statement>()
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text)
      if (statement) statements.delete(text) // to the end: most recently used
      else statement = database.prepare(text)
      statements.set(text, statement)
      if (statements.size > size) statements.delete(statements.keys().next().value!)
      return statement
    },
  }
}

export async function migrate(db: Db) {
  const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations(db.dialect) } })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status == 'Error')?.migrationName
    throw new Error(`Database migration ${failed ?? ''} failed: ${(error as Error).message}`)
  }
  return results ?? []
}
