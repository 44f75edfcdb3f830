// The storage ceiling of the ingestion benchmark, run as its own process by
// bench/ingest.mjs:
//   node bench/ingest-storage.mjs '{"lib":".../ingest-lib.mjs","file":"/tmp/x.db","groupRequests":32,"warmupMs":1000,"durationMs":5000}'
//   (or "url":"postgres://…" instead of "file")
//
// The same request bodies as the HTTP runs, turned into rows exactly as
// collector/routes/ingest.ts does (JSON.parse, validateMessage, its toRow), then written with the collector's own `ingest(db, rows)`:
// its transaction, its indexes, its per-actor state upserts. Rows of
// `groupRequests` requests go in one call, as the writer's group commit joins
// the requests that wait while a transaction runs, with as many transactions in
// flight as the collector's writer allows (one on SQLite, several on
// PostgreSQL). Building the rows is not counted.
// Prints one JSON line: rows/s (per second of wall time, and per second of this
// process's CPU time, both without building the rows), transactions and their
// latency, the sync settings.
import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { PROJECT, filler, templates } from './ingest-events.mjs'

const o = { groupRequests: 32, warmupMs: 1000, durationMs: 5000, seed: 2, ...JSON.parse(process.argv[2] ?? '{}') }
const { openDb, ingest, validateMessage, toRow, POSTGRES_CONCURRENCY } = await import(o.lib)
const db = await openDb(o.url ? { url: o.url } : { file: o.file })

const pool = templates('batch', o.seed)
const fill = filler()
/** collector/routes/ingest.ts's row building (its own toRow), for a batch body. */
function rowsOf(text) {
  const body = JSON.parse(text)
  const receivedAt = Date.now()
  return body.batch.map((input) => {
    const result = validateMessage(input)
    if (!result.ok) throw new Error(`invalid message: ${result.path}: ${result.message}`)
    return toRow(PROJECT, result.message, JSON.stringify(input), body.sentAt, receivedAt)
  })
}

/** Transactions in flight at once: what the collector's writer allows on this database (collector/db/writer.ts). */
const concurrency = db.dialect == 'postgres' ? POSTGRES_CONCURRENCY : 1

/** Wall time spent building rows while measuring (synchronous: nothing else runs meanwhile), left out of the figures. */
let building = 0
let measuring = false
const group = () => {
  const t = performance.now()
  const rows = []
  for (let i = 0; i < o.groupRequests; i++) {
    const t = pool[Math.floor(Math.random() * pool.length)]
    const buf = Buffer.allocUnsafe(t.buf.length)
    fill(t, buf)
    for (const row of rowsOf(buf.toString('utf8'))) rows.push(row)
  }
  if (measuring) building += performance.now() - t
  return rows
}

/** Bytes this process has passed to write() so far: SQLite's WAL writes and checkpoints. */
const written = () => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN)
let rows = 0
let done = false
const times = []
const cpuMs = () => {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1000
}
const started = performance.now()
let measured = 0
let cpu0 = 0
let written0 = 0
/** One transaction after another; `concurrency` of these at once. */
async function worker() {
  while (!done) {
    const batch = group()
    const t = performance.now()
    await ingest(db, batch)
    const dt = performance.now() - t
    if (!measuring && t - started >= o.warmupMs) {
      measuring = true
      measured = performance.now()
      cpu0 = cpuMs()
      written0 = written()
      process.send?.({ phase: 'measure' })
    } else if (measuring && t >= measured) {
      rows += batch.length
      times.push(dt)
      if (performance.now() - measured - building >= o.durationMs) done = true
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker))
const spent = performance.now() - measured - building
const cpuSpent = cpuMs() - cpu0 - building
process.send?.({ phase: 'done' })
const writtenPerRow = (written() - written0) / rows

const show = async (query) => Object.values((await sql.raw(query).execute(db.kysely)).rows[0])[0]
const settings =
  db.dialect == 'sqlite'
    ? { journal_mode: await show('pragma journal_mode'), synchronous: ['OFF', 'NORMAL', 'FULL', 'EXTRA'][await show('pragma synchronous')] }
    : { synchronous_commit: await show('show synchronous_commit'), fsync: await show('show fsync'), wal_sync_method: await show('show wal_sync_method') }
const stored = Number((await sql`select count(*) as n from events`.execute(db.kysely)).rows[0].n)
await db.close()

times.sort((a, b) => a - b)
const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]
process.stdout.write(
  `${JSON.stringify({
    rowsPerSec: (rows / spent) * 1000,
    /** per second of this process's CPU inside ingest(): what one core does, whatever else runs on the machine */
    rowsPerCpuSec: (rows / cpuSpent) * 1000,
    rows,
    stored,
    transactions: times.length,
    concurrency,
    rowsPerTransaction: rows / times.length,
    /** SQLite: bytes written (WAL, checkpoints) per row; PostgreSQL: ~0, it writes in its own processes */
    writtenPerRow,
    transactionMs: { p50: pct(50), p99: pct(99), max: times.at(-1) },
    settings,
  })}\n`,
  () => process.exit(0), // the IPC channel would keep this process alive
)
