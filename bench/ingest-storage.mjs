// The storage ceiling of the ingestion benchmark, run as its own process by
// bench/ingest.mjs:
//   node bench/ingest-storage.mjs '{"lib":".../ingest-lib.mjs","file":"/tmp/x.db","groupRequests":32,"warmupMs":1000,"durationMs":5000}'
//   (or "url":"postgres://…" instead of "file")
//
// The same request bodies as the HTTP runs, turned into rows exactly as
// collector/routes/ingest.ts does (JSON.parse, validateMessage, its toRow), then written with the collector's own `ingest(db, rows)`:
// its transaction, its indexes, its per-actor state upserts. Rows of
// `groupRequests` requests go in one call, as the writer's group commit joins
// the requests that wait while a transaction runs. Only the time inside
// ingest() is counted; building the rows is not.
// Prints one JSON line: rows/s (per second of wall time inside ingest, and per
// second of this process's CPU time inside it), transactions and their
// latency, the sync settings.
import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { PROJECT, filler, templates } from './ingest-events.mjs'

const o = { groupRequests: 32, warmupMs: 1000, durationMs: 5000, seed: 2, ...JSON.parse(process.argv[2] ?? '{}') }
const { openDb, ingest, validateMessage, toRow } = await import(o.lib)
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

const group = () => {
  const rows = []
  for (let i = 0; i < o.groupRequests; i++) {
    const t = pool[Math.floor(Math.random() * pool.length)]
    const buf = Buffer.allocUnsafe(t.buf.length)
    fill(t, buf)
    for (const row of rowsOf(buf.toString('utf8'))) rows.push(row)
  }
  return rows
}

/** Bytes this process has passed to write() so far: SQLite's WAL writes and checkpoints. */
const written = () => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN)
let written0 = 0
let warm = 0
let cpuSpent = 0
let spent = 0
let rows = 0
const times = []
for (;;) {
  const batch = group()
  const t = performance.now()
  const c = process.cpuUsage()
  await ingest(db, batch)
  const dt = performance.now() - t
  const dc = process.cpuUsage(c)
  if (warm < o.warmupMs) {
    warm += dt
    if (warm >= o.warmupMs) process.send?.({ phase: 'measure' }), (written0 = written())
    continue
  }
  spent += dt
  cpuSpent += (dc.user + dc.system) / 1000
  rows += batch.length
  times.push(dt)
  if (spent >= o.durationMs) break
}
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
    rowsPerTransaction: rows / times.length,
    /** SQLite: bytes written (WAL, checkpoints) per row; PostgreSQL: ~0, it writes in its own processes */
    writtenPerRow,
    transactionMs: { p50: pct(50), p99: pct(99), max: times.at(-1) },
    settings,
  })}\n`,
  () => process.exit(0), // the IPC channel would keep this process alive
)
