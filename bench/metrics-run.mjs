// The metrics benchmark's worker, run as its own process by bench/metrics.mjs:
// once per data set to load it, then once per database to query every data set
// (each process with a fresh heap and JIT, so the query figures carry none of
// the load's garbage):
//   node bench/metrics-run.mjs '{"lib":".../metrics-lib.mjs","file":"/tmp/x.db","events":100000,"phase":"load"}'
//   node bench/metrics-run.mjs '{"lib":"…","phase":"query","sets":[{"events":100000,"file":"/tmp/x.db"},{"events":1000000,"file":"/tmp/y.db"}]}'
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
//   checked for 200. The data sets take turns, request by request, so that a
//   stall of the shared machine falls on all of them alike and the growth from
//   one to the next is measured against a baseline of the same moment. With
//   "profile": "<metric>", only that metric on one data set, its measured
//   requests under V8's CPU profiler (the one of node --cpu-prof, started and
//   stopped around them only) and the profile goes to "profileFile".
// Prints one JSON line; a query puts one result per data set in its "sets".
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { sql } from 'kysely'
import { DAY, END, PROJECT, READ_KEY, generate, message, projectConfig } from './metrics-data.mjs'
import { machineTicks, postgresPids, quantile, ticksOf } from './common.mjs'

const o = { events: 100_000, seed: 1, group: 500, warmups: 2, runs: 60, budgetMs: 30_000, profile: null, ...JSON.parse(process.argv[2] ?? '{}') }
const { openDb, ingest, validateMessage, toRow, createApp, parseConfig, metrics } = await import(o.lib)
const started = performance.now()
const dialect = (o.url ?? o.sets?.[0].url) ? 'postgres' : 'sqlite'
const log = (s) => process.stderr.write(`  [${dialect} ${(o.sets ?? [o]).map((set) => set.events.toLocaleString('en-US')).join(' + ')}] ${s}\n`)
const result = { dialect, events: o.events }

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

const count = async (db) => Number((await sql`select count(*) as n from events`.execute(db.kysely)).rows[0].n)

if (o.phase != 'query') {
  const db = await openDb(o.url ? { url: o.url } : { file: o.file })
  await load(db)
  await db.close()
}
if (o.phase != 'load') await query(o.sets ?? [{ events: o.events, file: o.file, url: o.url }])
result.totalMs = performance.now() - started
// the profile can be large: through a file, not the pipe
if (result.profile && o.profileFile) {
  writeFileSync(o.profileFile, JSON.stringify(result.profile))
  delete result.profile
}
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))

// ------------------------------------------------------------ load

async function load(db) {
  const meta = o.file && `${o.file}.json`
  if (o.reuse && meta && existsSync(meta) && (await count(db)) == o.events) {
    // a kept SQLite file of the same data set (BENCH_METRICS_KEEP): no generating, no loading
    Object.assign(result, JSON.parse(readFileSync(meta, 'utf8')), { reused: true })
    log('reusing the kept database')
  } else await store(db)

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

async function store(db) {
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
  result.stored = await count(db)
  if (result.stored != o.events) throw new Error(`stored ${result.stored} events of ${o.events}`)
}

// ------------------------------------------------------------ queries

async function query(sets) {
  const config = parseConfig({ projects: [projectConfig] })
  const window = `from=${END - 30 * DAY}&to=${END}`
  for (const set of sets) {
    set.db = await openDb(set.url ? { url: set.url } : { file: set.file })
    set.app = createApp({ db: set.db, config, now: () => END })
    set.endpoints = {}
  }
  const ask = async (set, name) => {
    const t = performance.now()
    const res = await set.app.request(`/v1/metrics/${name}?${window}`, { headers: { Authorization: `Bearer ${READ_KEY}` } })
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

  const mark = cpuMark()
  for (const name of o.profile ? [o.profile] : Object.keys(metrics)) {
    const outs = sets.map((set) => (set.endpoints[name] = { times: [] }))
    try {
      const last = []
      for (let i = 0; i < o.warmups; i++) for (const [k, set] of sets.entries()) last[k] = await ask(set, name)
      if (name == o.profile) await session.post('Profiler.start')
      const t = performance.now()
      for (let i = 0; i < o.runs; i++) {
        for (const [k, set] of sets.entries()) {
          last[k] = await ask(set, name)
          outs[k].times.push(last[k].ms)
        }
        // a slow route gets at least 5 measured requests within the budget, not all of them
        if (i >= 4 && performance.now() - t > o.budgetMs) break
      }
      if (name == o.profile) result.profile = (await session.post('Profiler.stop')).profile
      for (const [k, out] of outs.entries()) {
        out.answer = JSON.parse(last[k].body)
        out.bytes = last[k].body.length
      }
      log(`${name}: median / p95 ${outs.map((out, k) => `${quantile(out.times, 0.5).toFixed(1)} / ${quantile(out.times, 0.95).toFixed(1)} ms at ${sets[k].events.toLocaleString('en-US')}`).join(', ')} (${outs[0].times.length} requests each)`)
    } catch (error) {
      for (const out of outs) out.error = error instanceof Error ? error.message : String(error)
      log(`${name}: ERROR ${outs[0].error}`)
    }
  }
  const queryCpu = cpuSince(mark)
  result.sets = []
  for (const set of sets) {
    await set.db.close()
    result.sets.push({ events: set.events, endpoints: set.endpoints, queryCpu })
  }
}

/** The q-quantile, linear between the closest ranks (as METRICS.md's percentiles). */
