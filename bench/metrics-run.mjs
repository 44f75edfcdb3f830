// One data set on one database for the metrics benchmark, run as its own
// process by bench/metrics.mjs, once to load and once to query (each with a
// fresh heap and JIT, so the query figures carry none of the load's garbage):
//   node bench/metrics-run.mjs '{"lib":".../metrics-lib.mjs","file":"/tmp/x.db","events":100000,"phase":"load"}'
//   (or "url":"postgres://…" instead of "file"; "phase": "load", "query" or both when left out)
//
// load:
// - Generates the events (bench/metrics-data.mjs) and stores them through the
//   collector's ingest path: each message validated (validateMessage) and
//   turned into a row by the ingest route's own toRow, then stored with
//   ingest(db, rows), 500 rows a transaction, in event time order, each
//   received half a second after it happened (a live collector's group commit).
// - Measures the database: SQLite, the file plus its -wal after a
//   wal_checkpoint(TRUNCATE) that was not busy; PostgreSQL, pg_database_size after VACUUM
//   ANALYZE (what autovacuum would have done by the time anyone looks).
// query:
// - Asks every metric route of createApp({ db, config, now }) through
//   app.request(), `warmups` times unmeasured, then `runs` times measured
//   (wall time from the request to the last byte of the body), each answer
//   checked for 200. With "profile": "<metric>", only that metric, its measured
//   requests under V8's CPU profiler (the one of node --cpu-prof, started and
//   stopped around them only) and the profile goes to "profileFile".
// Prints one JSON line.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { sql } from 'kysely'
import { DAY, END, PROJECT, READ_KEY, generate, message, projectConfig } from './metrics-data.mjs'
import { machineTicks, postgresPids, quantile, ticksOf } from './common.mjs'

const o = { events: 100_000, seed: 1, group: 500, warmups: 2, runs: 60, budgetMs: 30_000, profile: null, ...JSON.parse(process.argv[2] ?? '{}') }
const { openDb, ingest, validateMessage, toRow, createApp, parseConfig, metrics } = await import(o.lib)
const started = performance.now()
const log = (s) => process.stderr.write(`  [${o.url ? 'postgres' : 'sqlite'} ${o.events.toLocaleString('en-US')}] ${s}\n`)
const result = { dialect: o.url ? 'postgres' : 'sqlite', events: o.events }

// ------------------------------------------------------------ CPU accounting (/proc)
// The machine may be shared: how much CPU this process, PostgreSQL and everything
// else took during a phase, in % of one core, says how far to trust its figures.
/** The postmaster and its children, their CPU ticks so far. */
const postgresTicks = () => postgresPids(o.postmaster).reduce((n, pid) => n + (ticksOf(pid) ?? 0), 0)
function cpuMark() {
  return { ...machineTicks(), self: ticksOf(process.pid) ?? 0, postgres: postgresTicks(), at: performance.now() }
}
function cpuSince(a) {
  const b = cpuMark()
  const seconds = (b.at - a.at) / 1000
  const machine = ((b.busy - a.busy) / (b.total - a.total)) * cpus().length * 100
  const self = (b.self - a.self) / seconds
  const postgres = (b.postgres - a.postgres) / seconds
  return { self, postgres, other: Math.max(0, machine - self - postgres) }
}

const db = await openDb(o.url ? { url: o.url } : { file: o.file })
const count = async () => Number((await sql`select count(*) as n from events`.execute(db.kysely)).rows[0].n)

if (o.phase != 'query') await load()
if (o.phase != 'load') await query()
await db.close()
result.totalMs = performance.now() - started
// the profile can be large: through a file, not the pipe
if (result.profile && o.profileFile) {
  writeFileSync(o.profileFile, JSON.stringify(result.profile))
  delete result.profile
}
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))

// ------------------------------------------------------------ load

async function load() {
  const meta = o.file && `${o.file}.json`
  if (o.reuse && meta && existsSync(meta) && (await count()) == o.events) {
    // a kept SQLite file of the same data set (BENCH_METRICS_KEEP): no generating, no loading
    Object.assign(result, JSON.parse(readFileSync(meta, 'utf8')), { reused: true })
    log('reusing the kept database')
  } else await store()

  if (o.file) {
    // the collector's checkpointer thread may be copying pages right now, and a busy checkpoint leaves
    // the WAL (counted twice, with the file): retry until it is truncated
    for (let tries = 0; ; tries++) {
      const [{ busy }] = (await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db.kysely)).rows
      if (!busy) break
      if (tries == 50) throw new Error('the WAL could not be truncated for 5 s: the database size would count it')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const size = (f) => (existsSync(f) ? statSync(f).size : 0)
    result.bytes = size(o.file) + size(`${o.file}-wal`)
    result.walBytes = size(`${o.file}-wal`)
    if (o.keep && meta && !result.reused)
      writeFileSync(meta, JSON.stringify({ counts: result.counts, generateMs: result.generateMs, loadMs: result.loadMs, ingestMs: result.ingestMs, loadCpu: result.loadCpu, stored: result.stored }))
  } else {
    const t = performance.now()
    await sql`vacuum analyze`.execute(db.kysely)
    result.vacuumMs = performance.now() - t
    result.bytes = Number((await sql`select pg_database_size(current_database()) as n`.execute(db.kysely)).rows[0].n)
  }
  log(`database: ${(result.bytes / 1e6).toFixed(0)} MB`)
}

async function store() {
  let t = performance.now()
  const { events, counts } = generate(o.events, o.seed)
  result.generateMs = performance.now() - t
  result.counts = counts
  log(`generated ${events.length.toLocaleString('en-US')} events of ${counts.persons.toLocaleString('en-US')} persons in ${(result.generateMs / 1000).toFixed(1)} s; loading`)

  let ingestMs = 0
  let nextReport = 0.1
  const mark = cpuMark()
  t = performance.now()
  for (let i = 0; i < events.length; i += o.group) {
    const rows = events.slice(i, i + o.group).map((e) => {
      const input = message(e)
      const raw = JSON.stringify(input)
      const valid = validateMessage(input)
      if (!valid.ok) throw new Error(`generated an invalid message: ${valid.path}: ${valid.message}\n${raw}`)
      return toRow(PROJECT, valid.message, raw, undefined, e.t + 500)
    })
    const t0 = performance.now()
    await ingest(db, rows)
    ingestMs += performance.now() - t0
    const done = (i + rows.length) / events.length
    if (done >= nextReport) {
      log(`loaded ${Math.round(100 * done)}% (${(((i + rows.length) / (performance.now() - t)) * 1000).toFixed(0)} events/s)`)
      nextReport += 0.1
    }
  }
  result.loadMs = performance.now() - t
  result.loadCpu = cpuSince(mark)
  result.ingestMs = ingestMs
  result.stored = await count()
  if (result.stored != o.events) throw new Error(`stored ${result.stored} events of ${o.events}`)
}

// ------------------------------------------------------------ queries

async function query() {
  const config = parseConfig({ projects: [projectConfig] })
  const app = createApp({ db, config, now: () => END })
  const window = `from=${END - 30 * DAY}&to=${END}`
  const ask = async (name) => {
    const t = performance.now()
    const res = await app.request(`/v1/metrics/${name}?${window}`, { headers: { Authorization: `Bearer ${READ_KEY}` } })
    const body = await res.text()
    if (res.status != 200) throw new Error(`HTTP ${res.status}: ${body.slice(0, 500)}`)
    return { ms: performance.now() - t, body }
  }

  let session
  if (o.profile) {
    const { Session } = await import('node:inspector/promises')
    session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
  }

  result.endpoints = {}
  const mark = cpuMark()
  for (const name of o.profile ? [o.profile] : Object.keys(metrics)) {
    const out = (result.endpoints[name] = { times: [] })
    try {
      let last
      for (let i = 0; i < o.warmups; i++) last = await ask(name)
      if (name == o.profile) await session.post('Profiler.start')
      const t = performance.now()
      for (let i = 0; i < o.runs; i++) {
        last = await ask(name)
        out.times.push(last.ms)
        // a slow route gets at least 5 measured requests within the budget, not all of them
        if (i >= 4 && performance.now() - t > o.budgetMs) break
      }
      if (name == o.profile) result.profile = (await session.post('Profiler.stop')).profile
      out.answer = JSON.parse(last.body)
      out.bytes = last.body.length
      log(`${name}: median ${quantile(out.times, 0.5).toFixed(1)} ms, p95 ${quantile(out.times, 0.95).toFixed(1)} ms (${out.times.length} requests)`)
    } catch (error) {
      out.error = error instanceof Error ? error.message : String(error)
      log(`${name}: ERROR ${out.error}`)
    }
  }
  result.queryCpu = cpuSince(mark)
}

/** The q-quantile, linear between the closest ranks (as METRICS.md's percentiles). */
