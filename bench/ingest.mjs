// Ingestion benchmark: how many events per second the collector stores, next to
// what its storage and a bare HTTP server can do on the same machine.
//
//   npm run bench:ingest                  (= npm run build && node bench/ingest.mjs), about 2.5 minutes
//   node bench/ingest.mjs --profile       (where the SQLite collector's time goes: CPU per phase, then
//                                          the collector under load with --cpu-prof and a probe, summarised)
//
// One run prints:
// - The storage ceiling (bench/ingest-storage.mjs): the rows of the same
//   request bodies written by the collector's own ingest(db, rows) (its
//   transaction, indexes and per-actor state upserts), no HTTP, in groups of N
//   requests as the writer's group commit makes them with N requests waiting,
//   with as many transactions in flight as the writer allows (SQLite 1,
//   PostgreSQL 4), on SQLite and PostgreSQL; and one request per transaction,
//   for scale.
// - HTTP runs (bench/ingest-load.mjs, its own process, raw keep-alive sockets,
//   loopback only) against the real collector process (`node
//   dist/collector.mjs start`, rate limit off, fresh database each) on SQLite
//   and on PostgreSQL: 20-event batches on POST /v1/batch in a closed loop of N
//   connections (the maximum rate) and paced at half the storage ceiling (the
//   latency at that load; on SQLite also with a dashboard open: the eight
//   metric routes asked every 2 s, which must not stall ingestion), and single
//   events on POST /v1/track (closed loop);
//   and the same closed loops against a bare node:http server that only
//   JSON.parses the body and answers 204 (bench/ingest-bare.mjs): the HTTP ceiling.
// - The ratios and whether the targets hold: closed-loop events/s ≥ 50% of the
//   storage ceiling, p99 < 50 ms when offered half the ceiling, single-event
//   requests/s ≥ 50% of the bare server's.
// Each run also says how much CPU the server, the load generator, PostgreSQL
// and everything else on the machine took: on a 2-core machine shared with
// other work, an "other" column well above 0 means the figure is low.
//
// TypeScript: the storage ceiling needs the collector's ingest() and the tests'
// startPostgres(), which are TypeScript with extensionless imports. Rather than
// a loader or a test runner, bench/ingest-lib.ts is bundled with esbuild (a dev
// dependency already; ~0.1 s, packages external) into node_modules/.cache/, and
// imported from there: plain node, nothing installed, no output captured.
//
// Environment: BENCH_CONNECTIONS (32), BENCH_WARMUP_MS (2000), BENCH_DURATION_MS
// (10000), BENCH_STORAGE_MS (5000, counted ingest time per ceiling run).
// Benchmarks print; they never fail CI, so this exits 0 whatever the figures.
import { fork, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { BATCH, PROJECT_CONFIG } from './ingest-events.mjs'
import { bundleLib, freshPgDatabase, here, int, machineTicks, ms, postgresPids, root, table, ticksOf } from './common.mjs'

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32)
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS || 2000)
const DURATION_MS = Number(process.env.BENCH_DURATION_MS || 10_000)
const STORAGE_MS = Number(process.env.BENCH_STORAGE_MS || 5000)
const PROFILE = process.argv.includes('--profile')
const TARGET_STORAGE = 0.5
const TARGET_P99_MS = 50
const TARGET_HTTP = 0.5
const AIM_SQLITE = 50_000

const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

// ---------------------------------------------------------------- plumbing


function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts a server process (env: its whole environment) and waits until it answers HTTP on 127.0.0.1:port. */
async function startServer(args, env, port, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  for (let i = 0; ; i++) {
    if (child.exitCode != null) throw new Error(`${args.join(' ')} exited (${child.exitCode}):\n${output}`)
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })
      break
    } catch {
      if (i > 200) throw new Error(`${args.join(' ')} did not answer on port ${port}:\n${output}`)
      await sleep(50)
    }
  }
  return {
    pid: child.pid,
    output: () => output,
    async stop() {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
      children.delete(child)
    },
  }
}

/** Forks a bench child with its JSON options; resolves with its last stdout line, parsed; onMessage sees its IPC messages. */
function runChild(file, options, onMessage = () => {}, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = fork(here(file), [JSON.stringify(options)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: nodeArgs })
    children.add(child)
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('message', (m) => onMessage(m, child.pid))
    child.once('exit', (code) => {
      children.delete(child)
      const last = out.trim().split('\n').at(-1)
      try {
        if (code) throw new Error()
        resolve(JSON.parse(last))
      } catch {
        reject(new Error(`${file} failed (exit ${code}):\n${out}\n${err}`))
      }
    })
  })
}

// ---------------------------------------------------------------- CPU accounting from /proc

function snapshot(groups) {
  const ticks = {}
  for (const [name, pids] of Object.entries(groups)) ticks[name] = new Map(pids.map((pid) => [pid, ticksOf(pid)]).filter(([, t]) => t !== undefined))
  return { at: performance.now(), machine: machineTicks(), ticks }
}
/** CPU use between two snapshots in % of one core, per group, plus `other`: the rest of the machine. */
function cpuBetween(a, b) {
  const seconds = (b.at - a.at) / 1000
  const cores = cpus().length
  const machine = ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * cores * 100
  const out = {}
  let ours = 0
  for (const name of Object.keys(b.ticks)) {
    // a process that started in between counts from 0; one that ended in between is lost
    let ticks = 0
    for (const [pid, t] of b.ticks[name]) ticks += t - (a.ticks[name]?.get(pid) ?? 0)
    out[name] = ticks / seconds // 100 ticks a second: ticks/s is % of one core
    ours += out[name]
  }
  out.other = Math.max(0, machine - ours)
  return out
}

// ---------------------------------------------------------------- runs

/** One load-generator run against a server already listening; CPU sampled over the measured window. */
async function httpRun(port, kind, groups, rate = 0) {
  let a
  let b
  const result = await runChild(
    'ingest-load.mjs',
    { port, kind, path: kind == 'batch' ? '/v1/batch' : '/v1/track', connections: rate ? 2 * CONNECTIONS : CONNECTIONS, warmupMs: WARMUP_MS, durationMs: DURATION_MS, rate },
    (m, pid) => {
      const g = { ...groups(), loadgen: [pid] }
      if (m.phase == 'measure') a = snapshot(g)
      if (m.phase == 'done') b = snapshot(g)
    },
  )
  return { ...result, cpu: a && b ? cpuBetween(a, b) : undefined }
}

async function storageRun(lib, target, groupRequests, durationMs, pg) {
  let a
  let b
  const result = await runChild('ingest-storage.mjs', { lib, ...target, groupRequests, warmupMs: 1000, durationMs }, (m, pid) => {
    const g = { storage: [pid], postgres: postgresPids(pg?.postmaster) }
    if (m.phase == 'measure') a = snapshot(g)
    if (m.phase == 'done') b = snapshot(g)
  })
  return { ...result, cpu: a && b ? cpuBetween(a, b) : undefined }
}

/** A fresh database on the benchmark's PostgreSQL cluster. */

async function pgInfo(url) {
  const { default: Pg } = await import('pg')
  const client = new Pg.Client({ connectionString: url })
  await client.connect()
  try {
    const show = async (q) => Object.values((await client.query(q)).rows[0])[0]
    const dir = await show('show data_directory')
    return {
      version: (await show('show server_version')).split(' ')[0],
      synchronous_commit: await show('show synchronous_commit'),
      fsync: await show('show fsync'),
      postmaster: Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    }
  } finally {
    await client.end()
  }
}

async function storedCount(target) {
  if (target.file) {
    const { default: SQLite } = await import('better-sqlite3')
    const db = new SQLite(target.file, { readonly: true })
    try {
      return db.prepare('select count(*) as n from events').get().n
    } finally {
      db.close()
    }
  }
  const { default: Pg } = await import('pg')
  const client = new Pg.Client({ connectionString: target.url })
  await client.connect()
  try {
    return Number((await client.query('select count(*) as n from events')).rows[0].n)
  } finally {
    await client.end()
  }
}

/** The dashboard's eight metric routes, asked one after the other every DASHBOARD_EVERY_MS, as a product manager's open page would. */
const DASHBOARD = ['ttv', 'onboarding', 'satisfaction', 'features', 'sessions', 'retention', 'health', 'surveys']
const DASHBOARD_EVERY_MS = 2000
function dashboardLoop(port) {
  let stopped = false
  const answers = []
  const done = (async () => {
    await sleep(WARMUP_MS)
    while (!stopped) {
      for (const name of DASHBOARD) {
        const t0 = performance.now()
        const res = await fetch(`http://127.0.0.1:${port}/v1/metrics/${name}`, { headers: { Authorization: `Bearer ${PROJECT_CONFIG.readKey}` } })
        await res.arrayBuffer()
        answers.push({ name, ms: performance.now() - t0, ok: res.ok })
      }
      await sleep(DASHBOARD_EVERY_MS)
    }
  })()
  return async () => {
    stopped = true
    await done
    const mean = (list) => list.reduce((n, a) => n + a.ms, 0) / (list.length || 1)
    const routes = DASHBOARD.map((name) => `${name} ${ms(mean(answers.filter((a) => a.name == name)))}`).join(', ')
    return { requests: answers.length, failed: answers.filter((a) => !a.ok).length, meanMs: mean(answers), routes }
  }
}

/** The collector on a fresh database, one load run of `kind` (with the dashboard open, if asked), stopped; the stored rows counted. */
async function collectorRun({ target, kind, configFile, pgPostmaster, nodeArgs = [], extraEnv = {}, rate = 0, dashboard = false }) {
  const port = await freePort()
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', NORTHSTAR_CONFIG: configFile, NORTHSTAR_RATE_LIMIT: '0', ...extraEnv }
  for (const name of ['DATABASE_URL', 'NORTHSTAR_DB', 'NORTHSTAR_SYNCHRONOUS']) delete env[name] // the defaults: synchronous=NORMAL
  if (target.file) env.NORTHSTAR_DB = target.file
  else env.DATABASE_URL = target.url
  const server = await startServer([join(root, 'dist/collector.mjs'), 'start'], env, port, nodeArgs)
  let result
  try {
    const stopDashboard = dashboard ? dashboardLoop(port) : undefined
    result = await httpRun(port, kind, () => ({ server: [server.pid], postgres: postgresPids(pgPostmaster) }), rate)
    if (stopDashboard) result.dashboard = await stopDashboard()
  } finally {
    await server.stop()
  }
  result.stored = await storedCount(target)
  result.serverOutput = server.output()
  return result
}

// ---------------------------------------------------------------- output

const pct = (n) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : '-')
const BUSY = 25
const cpu = (c, k) => (c && Number.isFinite(c[k]) ? `${Math.round(c[k])}%${k == 'other' && c[k] > BUSY ? ' *' : ''}` : '-')

function report({ bare, sqlite, postgres, storage, settings, bodies, before }) {
  const out = []
  const errors = (r) => Object.entries(r.status ?? {}).reduce((n, [code, c]) => (Number(code) >= 300 ? n + c : n), 0)
  out.push(
    `Northstar ingestion benchmark: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, loopback, ${CONNECTIONS} keep-alive connections, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s per HTTP run`,
  )
  out.push(`Machine before the run: ${Math.round(before)}% of one core busy with other work (over 2 s; ${cpus().length * 100}% = all cores)`)
  out.push(`Bodies: batch = ${BATCH} SDK-shaped messages (mixed track/page/identify/group, UUIDv7 ids), ${(bodies.batch / 1024).toFixed(1)} KB on average; single = one track message on /v1/track, ${int(bodies.single)} B`)
  out.push(
    `Durability: SQLite journal_mode=${settings.sqlite.journal_mode} synchronous=${settings.sqlite.synchronous}; PostgreSQL ${settings.pg.version} synchronous_commit=${settings.pg.synchronous_commit} fsync=${settings.pg.fsync} (shared_buffers 32MB, data on the local disk)`,
  )
  out.push('')
  out.push(`HTTP: load generator in its own process. closed = ${CONNECTIONS} connections, each sending as soon as answered (the maximum rate; latency is`)
  out.push(`mostly queueing, ${CONNECTIONS} ÷ rate); paced = a fixed rate of half the storage ceiling on up to ${2 * CONNECTIONS} connections, latency from when each request was due.`)
  out.push('cpu in % of one core over the measured window (other = the rest of the machine); events/cpu-s = events/s ÷ the server process\'s CPU share')
  out.push('(what one core would do; PostgreSQL\'s own CPU not counted)')
  const httpRow = (name, r) => [
    name,
    int(r.requestsPerSec),
    int(r.eventsPerSec),
    ms(r.latencyMs.p50),
    ms(r.latencyMs.p99),
    ms(r.latencyMs.max),
    errors(r) + (r.backlog ? ` +${r.backlog} unsent` : ''),
    r.stored == null ? '' : int(r.stored),
    cpu(r.cpu, 'server'),
    cpu(r.cpu, 'postgres'),
    cpu(r.cpu, 'loadgen'),
    cpu(r.cpu, 'other'),
    int(r.eventsPerSec / (r.cpu?.server / 100)),
  ]
  const runs = [
    ['bare node:http, batch, closed', bare.batch],
    ['bare node:http, single, closed', bare.single],
    ['collector sqlite, batch, closed', sqlite.batch],
    [`collector sqlite, batch, paced ${int(sqlite.paced.rate)}/s`, sqlite.paced],
    [`  the same, dashboard open`, sqlite.dashboard],
    ['collector sqlite, single, closed', sqlite.single],
    ['collector postgres, batch, closed', postgres.batch],
    [`collector postgres, batch, paced ${int(postgres.paced.rate)}/s`, postgres.paced],
    ['collector postgres, single, closed', postgres.single],
  ]
  out.push(
    table(
      ['server, body, load', 'req/s', 'events/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'rows stored', 'cpu server', 'postgres', 'loadgen', 'other', 'events/cpu-s'],
      runs.map(([name, r]) => httpRow(name, r)),
    ),
  )
  for (const [name, r] of runs) if (r.firstError) out.push(`  ${name}: first error: ${r.firstError}`)
  const d = sqlite.dashboard.dashboard
  out.push(
    `dashboard open: the ${DASHBOARD.length} metric routes asked in turn every ${DASHBOARD_EVERY_MS / 1000} s during the run (${d.requests} requests, ${d.failed} failed, ${ms(d.meanMs)} ms each on average, over the data the run writes; per route: ${d.routes})`,
  )
  out.push('')
  out.push(`Storage ceiling: the same rows through the collector's ingest(db, rows), no HTTP, ${STORAGE_MS / 1000} s each (row building not counted), with as many`)
  out.push('transactions in flight as the collector\'s writer allows (in flight: 1 on SQLite, several on PostgreSQL; txn/s counts them all);')
  out.push('rows/cpu-s: per second of the node process\'s CPU inside ingest() (PostgreSQL\'s own CPU not counted); KB written/row: SQLite\'s write()s (WAL, checkpoints)')
  const storageRow = (name, r) => [
    name,
    int(r.rowsPerTransaction),
    int(r.concurrency),
    int(r.rowsPerSec),
    int(r.rowsPerSec / r.rowsPerTransaction),
    int(r.rowsPerCpuSec),
    name.startsWith('sqlite') ? (r.writtenPerRow / 1024).toFixed(1) : '-',
    ms(r.transactionMs.p50),
    ms(r.transactionMs.p99),
    ms(r.transactionMs.max),
    cpu(r.cpu, 'storage'),
    cpu(r.cpu, 'postgres'),
    cpu(r.cpu, 'other'),
  ]
  out.push(
    table(
      ['database', 'rows/txn', 'in flight', 'rows/s', 'txn/s', 'rows/cpu-s', 'KB written/row', 'txn p50 ms', 'p99 ms', 'max ms', 'cpu script', 'postgres', 'other'],
      [
        storageRow(`sqlite, ${CONNECTIONS} requests/txn`, storage.sqlite.group),
        storageRow('sqlite, 1 request/txn', storage.sqlite.single),
        storageRow(`postgres, ${CONNECTIONS} requests/txn`, storage.postgres.group),
        storageRow('postgres, 1 request/txn', storage.postgres.single),
      ],
    ),
  )
  out.push('')
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL')
  const rs = sqlite.batch.eventsPerSec / storage.sqlite.group.rowsPerSec
  const rp = postgres.batch.eventsPerSec / storage.postgres.group.rowsPerSec
  const hs = sqlite.single.requestsPerSec / bare.single.requestsPerSec
  const hp = postgres.single.requestsPerSec / bare.single.requestsPerSec
  /** The paced run kept up (nearly all that was due was answered, in time) and its p99 is under the target. */
  const kept = (r) => r.requestsPerSec >= 0.95 * r.rate && !r.backlog
  const paced = (r) => `${ms(r.latencyMs.p99)} ms${kept(r) ? '' : ` (kept up with ${pct(r.requestsPerSec / r.rate)})`}`
  out.push('Targets')
  out.push(
    table(
      ['check', 'measured', 'target', 'verdict'],
      [
        ['sqlite: collector events/s (closed) ÷ storage ceiling', pct(rs), `≥ ${pct(TARGET_STORAGE)}`, verdict(rs >= TARGET_STORAGE)],
        [`sqlite: p99 at half the storage ceiling (${int(sqlite.paced.rate * BATCH)} events/s offered)`, paced(sqlite.paced), `< ${TARGET_P99_MS} ms`, verdict(kept(sqlite.paced) && sqlite.paced.latencyMs.p99 < TARGET_P99_MS)],
        ['postgres: collector events/s (closed) ÷ storage ceiling', pct(rp), `≥ ${pct(TARGET_STORAGE)}`, verdict(rp >= TARGET_STORAGE)],
        [`postgres: p99 at half the storage ceiling (${int(postgres.paced.rate * BATCH)} events/s offered)`, paced(postgres.paced), `< ${TARGET_P99_MS} ms`, verdict(kept(postgres.paced) && postgres.paced.latencyMs.p99 < TARGET_P99_MS)],
        ['single events: collector sqlite req/s ÷ bare node:http', pct(hs), `≥ ${pct(TARGET_HTTP)}`, verdict(hs >= TARGET_HTTP)],
        ['single events: collector postgres req/s ÷ bare node:http', pct(hp), `≥ ${pct(TARGET_HTTP)}`, verdict(hp >= TARGET_HTTP)],
        ['aim: sqlite events/s, batch (closed)', int(sqlite.batch.eventsPerSec), `≥ ${int(AIM_SQLITE)}`, sqlite.batch.eventsPerSec >= AIM_SQLITE ? 'MET' : 'NOT MET'],
      ],
      ['l', 'r', 'r', 'l'],
    ),
  )
  const busy = [...runs.map(([, r]) => r), storage.sqlite.group, storage.postgres.group].some((r) => (r.cpu?.other ?? 0) > BUSY)
  if (busy) out.push(`\n* other processes took more than ${BUSY}% of a core during this run: its figures are low and the verdicts that use them unreliable; rerun on a quiet machine.`)
  return out.join('\n')
}

// ---------------------------------------------------------------- main

async function main() {
  if (!existsSync(join(root, 'dist/collector.mjs'))) throw new Error('dist/collector.mjs is missing: run `npm run build` (or `npx rollup -c`) first')
  const started = performance.now()
  const log = (s) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${s}\n`)
  const lib = await bundleLib('ingest-lib')
  const { startPostgres } = await import(lib)
  const m0 = machineTicks()
  await sleep(2000)
  const m1 = machineTicks()
  const before = ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length * 100
  const dir = mkdtempSync(join(tmpdir(), 'northstar-bench-'))
  const configFile = join(dir, 'northstar.config.json')
  writeFileSync(
    configFile,
    JSON.stringify({ projects: [PROJECT_CONFIG] }),
  )
  const sqliteFile = (name) => (mkdirSync(join(dir, name)), { file: join(dir, name, 'northstar.db') })

  if (PROFILE) return profile({ lib, dir, configFile, sqliteFile, log })

  log('starting PostgreSQL')
  const pg = await startPostgres()
  let db = 0
  const pgTarget = async () => ({ url: (await freshPgDatabase(pg, `bench_${++db}`)).url })
  try {
    const info = await pgInfo(pg.url)
    const results = { bare: {}, sqlite: {}, postgres: {}, storage: { sqlite: {}, postgres: {} } }

    // the storage ceilings first: the paced runs offer half of them
    log('storage ceiling, SQLite')
    results.storage.sqlite.group = await storageRun(lib, sqliteFile('storage-group'), CONNECTIONS, STORAGE_MS)
    results.storage.sqlite.single = await storageRun(lib, sqliteFile('storage-single'), 1, STORAGE_MS / 2)
    log('storage ceiling, PostgreSQL')
    results.storage.postgres.group = await storageRun(lib, await pgTarget(), CONNECTIONS, STORAGE_MS, info)
    results.storage.postgres.single = await storageRun(lib, await pgTarget(), 1, STORAGE_MS / 2, info)

    log('bare node:http server')
    {
      const port = await freePort()
      const server = await startServer([here('ingest-bare.mjs')], { ...process.env, PORT: String(port) }, port)
      try {
        for (const kind of ['batch', 'single']) results.bare[kind] = await httpRun(port, kind, () => ({ server: [server.pid] }))
      } finally {
        await server.stop()
      }
    }
    for (const [name, key, target, postmaster] of [
      ['SQLite', 'sqlite', (n) => sqliteFile(n), undefined],
      ['PostgreSQL', 'postgres', () => pgTarget(), info.postmaster],
    ]) {
      const run = async (kind, rate) => collectorRun({ target: await target(`collector-${kind}-${rate}`), kind, configFile, pgPostmaster: postmaster, rate })
      log(`collector on ${name}, batch, closed loop`)
      results[key].batch = await run('batch', 0)
      const rate = Math.max(1, Math.round((TARGET_STORAGE * results.storage[key].group.rowsPerSec) / BATCH))
      log(`collector on ${name}, batch, paced at ${rate} requests/s (half the storage ceiling)`)
      results[key].paced = await run('batch', rate)
      if (key == 'sqlite') {
        log(`collector on ${name}, batch, paced at ${rate} requests/s, dashboard open`)
        results[key].dashboard = await collectorRun({ target: await target(`collector-dashboard-${rate}`), kind: 'batch', configFile, rate, dashboard: true })
      }
      log(`collector on ${name}, single`)
      results[key].single = await run('single', 0)
    }
    log('done')

    const settings = { sqlite: results.storage.sqlite.group.settings, pg: info }
    const bodies = { batch: results.bare.batch.bodyBytes, single: results.bare.single.bodyBytes }
    console.log(`\n${report({ ...results, settings, bodies, before })}`)
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2))
  } finally {
    await pg.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------- profile

async function profile({ lib, dir, configFile, sqliteFile, log }) {
  const { summarize } = await import('./ingest-profile.mjs')
  try {
    log('CPU cost per phase (bench/ingest-phases.mjs)')
    const phases = await runChild('ingest-phases.mjs', { lib, dir })
    for (const kind of ['batch', 'single']) {
      console.log(`\n=== CPU per event by phase, ${kind == 'batch' ? '20-event batches on /v1/batch' : 'single events on /v1/track'} (process.cpuUsage, in process, SQLite)`)
      console.log(table(['phase', 'µs/event', 'events/cpu-s'], phases[kind].map((p) => [p.name, p.usPerEvent.toFixed(1), int(1e6 / p.usPerEvent)])))
    }

    log('reading the body: c.req.raw.body stream vs c.req.arrayBuffer() vs c.env.incoming (bench/ingest-hono.mjs)')
    const rows = []
    for (const kind of ['single', 'batch'])
      for (const mode of ['stream', 'buffer', 'incoming']) {
        const port = await freePort()
        const server = await startServer([here('ingest-hono.mjs')], { ...process.env, PORT: String(port), BODY: mode }, port)
        try {
          const r = await httpRun(port, kind, () => ({ server: [server.pid] }))
          rows.push([`${kind}, ${mode}`, int(r.requestsPerSec), ms(r.latencyMs.p99), cpu(r.cpu, 'server'), cpu(r.cpu, 'other'), int(1e6 / (r.requestsPerSec / (r.cpu.server / 100)))])
        } finally {
          await server.stop()
        }
      }
    console.log('\n=== Reading the body on @hono/node-server: a minimal app that reads, JSON.parses and answers { success: true }')
    console.log(table(['body, read with', 'req/s', 'p99 ms', 'cpu server', 'other', 'cpu µs/request'], rows))

    for (const kind of ['batch', 'single']) {
      const profDir = join(dir, `prof-${kind}`)
      log(`collector on SQLite, ${kind}, with --cpu-prof and the probe`)
      const probeFile = join(dir, `probe-${kind}.json`)
      const r = await collectorRun({
        target: sqliteFile(`profile-${kind}`),
        kind,
        configFile,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--import', here('ingest-probe.mjs')],
        extraEnv: { NORTHSTAR_PROBE: probeFile },
      })
      console.log(`\n=== collector on SQLite, ${kind}: ${int(r.requestsPerSec)} req/s, ${int(r.eventsPerSec)} events/s, p99 ${ms(r.latencyMs.p99)} ms (profiler on)`)
      // One profile per thread, CPU.<date>.<time>.<pid>.<threadId>.<n>.cpuprofile; the main thread and the
      // writer thread are told by the entry file they ran (the checkpointer and the reader are not summarised)
      const profiles = readdirSync(profDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => ({ file: f, thread: Number(f.split('.')[4]), profile: JSON.parse(readFileSync(join(profDir, f), 'utf8')) }))
      const ran = (profile, entry) => profile.nodes.some((n) => n.callFrame.url.endsWith(`/dist/${entry}`))
      for (const [entry, name] of [['collector.mjs', 'main thread: HTTP, parsing, validation'], ['collector-writer.mjs', 'writer thread: ingest()']]) {
        const found = profiles.find((p) => ran(p.profile, entry))
        if (!found) continue
        const { file, thread, profile } = found
        const probePath = thread ? `${probeFile}.${thread}` : probeFile
        const probe = existsSync(probePath) ? JSON.parse(readFileSync(probePath, 'utf8')) : undefined
        console.log(`\n--- ${name}`)
        console.log(summarize(profile, probe))
        if (process.env.BENCH_PROFILE_KEEP) {
          const keep = join(process.env.BENCH_PROFILE_KEEP, `collector-${kind}-thread-${thread}.cpuprofile`)
          mkdirSync(process.env.BENCH_PROFILE_KEEP, { recursive: true })
          writeFileSync(keep, readFileSync(join(profDir, file)))
          log(`kept ${keep}`)
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
