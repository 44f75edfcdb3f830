// Metrics benchmark: how long each metric route takes to answer, and how that
// grows with the data, on SQLite and PostgreSQL.
//
//   npm run bench:metrics                    (= npm run build && node bench/metrics.mjs)
//   node bench/metrics.mjs --small-only      (100,000 events only)
//   node bench/metrics.mjs --sqlite-only     (no PostgreSQL)
//   node bench/metrics.mjs --profile=health  (SQLite, largest data set: where that route's time goes)
//
// Two data sets from bench/metrics-data.mjs, 100,000 and 1,000,000 events of a
// B2B SaaS product over 90 days (about 10 events per person: ~10k and ~100k
// persons; anonymous visits linked by identify, second devices, accounts with
// traits, sessions, onboarding steps, features, the value event, surveys; one
// seeded PRNG, so every run loads the same events), configured as the 'saas'
// project of test/collector/harness.ts.
//
// Each data set goes on a fresh SQLite file (temp folder) and on a fresh
// database of a throwaway PostgreSQL cluster (test/postgres.ts). Per database,
// a process of bench/metrics-run.mjs per data set loads it, then one more
// (a fresh heap) queries them all:
// - loads the events through the collector's own ingest path (validateMessage,
//   the ingest route's toRow, ingest(db, rows)), 500 rows a transaction, in
//   event time order; reports events/s over the whole load and inside ingest();
// - measures the database: SQLite's file plus -wal after a checkpoint,
//   PostgreSQL's pg_database_size after VACUUM ANALYZE; per million events;
// - asks every route of `metrics` (collector/metrics/index.ts) through the real
//   app, createApp({ db, config, now }).request('/v1/metrics/<name>?from&to'),
//   the window the dashboard asks by default (the 30 days before now, now being
//   the data's end: a weekday afternoon, so the window's first day is partial,
//   as it is live), 2 warm-ups then 60 measured requests, sequential, wall time
//   to the last byte of the body; median and p95 (interpolated as METRICS.md's
//   percentiles). 60, not 20: of 20 requests the p95 is the largest but one,
//   so one stall of a shared machine decided it. The data sets take turns,
//   request by request: measured minutes apart, as they were until December
//   2026, the two sizes met different loads of the shared machine, and the
//   growth between them measured that as much as the code.
// Then prints the latencies, the growth from the small to the large data set
// (p95 large ÷ p95 small, beside the persons ratio, ~10x) and the targets:
// every route's p95 under 100 ms at 1,000,000 events on SQLite; growth no worse
// than linear in persons (p95 ratio ≤ persons ratio). It also checks that
// SQLite and PostgreSQL give the same answers, and, per phase, how much CPU
// this process, PostgreSQL and the rest of the machine took: on a shared
// machine, a busy "rest" means slower figures than on a quiet one.
//
// How long: the load of 1,000,000 events takes minutes (ingest slows as the
// database grows), and at that size a route answering in seconds stops after
// BENCH_BUDGET_MS; on 2 cores the whole run took ~20-25 minutes in November
// 2026. --small-only takes about a minute and a half.
//
// TypeScript: bench/metrics-lib.ts is bundled with esbuild into
// node_modules/.cache/northstar-bench/ (as bench/ingest.mjs does), so this is
// plain node, with no loader.
//
// Environment: BENCH_EVENTS ("100000,1000000"), BENCH_RUNS (60), BENCH_WARMUPS
// (2), BENCH_SEED (1), BENCH_BUDGET_MS (30000: a route slower than that stops
// after 5 measured requests), BENCH_METRICS_KEEP (a folder: keep the SQLite
// files there and reuse them next time, e.g. to profile again; empty it when
// bench/metrics-data.mjs or the schema changes), BENCH_JSON (a
// file for all the figures), BENCH_PROFILE_KEEP (a folder for the .cpuprofile).
// Benchmarks print; they never fail CI, so this exits 0 whatever the figures.
import { fork } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { END } from './metrics-data.mjs'
import { bundleLib, freshPgDatabase, here, int, ms, quantile, root, table } from './common.mjs'

const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const PROFILE = args.find((a) => a.startsWith('--profile='))?.slice(10) ?? (flag('profile') ? args[args.indexOf('--profile') + 1] : null)
const SIZES = (process.env.BENCH_EVENTS ?? '100000,1000000').split(',').map(Number).slice(0, flag('small-only') ? 1 : undefined)
const RUNS = Number(process.env.BENCH_RUNS || 60)
const WARMUPS = Number(process.env.BENCH_WARMUPS ?? 2)
const SEED = Number(process.env.BENCH_SEED || 1)
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS || 30_000)
const KEEP = process.env.BENCH_METRICS_KEEP
const TARGET_P95_MS = 100

const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

const started = performance.now()
const log = (s) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}\n`)


/** Forks bench/metrics-run.mjs with its options; resolves with its JSON line. Its progress goes to our stderr. */
function runChild(options) {
  return new Promise((resolve, reject) => {
    const child = fork(here('metrics-run.mjs'), [JSON.stringify(options)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
    children.add(child)
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.once('exit', (code) => {
      children.delete(child)
      try {
        if (code) throw new Error()
        resolve(JSON.parse(out.trim().split('\n').at(-1)))
      } catch {
        reject(new Error(`bench/metrics-run.mjs failed (exit ${code}):\n${out}`))
      }
    })
  })
}

/**
 * The data sets on one database: each loaded by a process of its own, then all
 * queried by one more (a fresh heap, none of the loads' garbage), taking turns
 * request by request. One result per data set.
 */
async function runData(sets) {
  const loaded = []
  for (const set of sets) loaded.push(await runChild({ ...set, phase: 'load' }))
  const queried = await runChild({ ...sets[0], phase: 'query', sets })
  return loaded.map((r, k) => ({ ...r, ...queried.sets[k] }))
}

/** A fresh database on the benchmark's PostgreSQL cluster. */

async function sqliteVersion() {
  const { default: SQLite } = await import('better-sqlite3')
  const db = new SQLite(':memory:')
  try {
    return db.prepare('select sqlite_version() as v').get().v
  } finally {
    db.close()
  }
}

// ---------------------------------------------------------------- output

const mb = (bytes) => (Number.isFinite(bytes) ? (bytes / 1e6).toFixed(0) : '-')
const BUSY = 25
/** CPU in % of one core: this process / PostgreSQL / the rest of the machine (* when the rest was busy). */
const cpu = (c, pg) => (c ? `${Math.round(c.self)}${pg ? `/${Math.round(c.postgres)}` : ''}/${Math.round(c.other)}%${c.other > BUSY ? ' *' : ''}` : '-')
const ratio = (n) => (Number.isFinite(n) ? `${n.toFixed(1)}x` : '-')
const label = (events) => (events >= 1e6 ? `${events / 1e6}M` : `${events / 1e3}k`)


/** The first place two answers differ (numbers within a relative 1e-9: sums in another row order), or null. */
function difference(a, b, path = '') {
  if (typeof a == 'number' && typeof b == 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) ? null : `${path}: ${a} vs ${b}`
  if (a == null || b == null || typeof a != 'object' || typeof b != 'object') return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const k of keys) {
    const d = difference(a[k], b[k], path ? `${path}.${k}` : k)
    if (d) return d
  }
  return null
}

/** A line per route of what the answers say, so the data can be judged realistic. */
function sanity(endpoints) {
  const a = (name) => endpoints[name]?.answer
  const days = (ms) => (ms == null ? '-' : `${(ms / 86_400_000).toFixed(1)} d`)
  const pct = (n) => (n == null ? '-' : `${n.toFixed(0)}%`)
  const out = []
  const ttv = a('ttv')
  if (ttv) out.push(`ttv: cohort ${int(ttv.cohort)}, activated ${pct(ttv.activationRate)}, median ${days(ttv.median)}, Kaplan-Meier median ${days(ttv.kaplanMeierMedian)}`)
  const ob = a('onboarding')
  if (ob) out.push(`onboarding: cohort ${int(ob.cohort)}, ${ob.steps.map((s) => `${s.id} ${pct((100 * s.completed) / ob.cohort)}`).join(', ')}, completion ${pct(ob.completionRate)}`)
  const sat = a('satisfaction')
  if (sat) out.push(`satisfaction: NPS ${sat.nps.nps?.toFixed(0)} (n ${sat.nps.n}), CSAT ${pct(sat.csat.csat)} (n ${sat.csat.n}), CES ${sat.ces.ces?.toFixed(1)} (n ${sat.ces.n})`)
  const f = a('features')
  if (f) out.push(`features: active ${int(f.active)}, ${f.features.map((x) => `${x.id} ${pct(x.adoptionRate)}`).join(', ')}, breadth ${pct(f.breadth)}`)
  const s = a('sessions')
  if (s) out.push(`sessions: ${int(s.sessions)}, avg ${(s.avgSessionLength / 60000).toFixed(1)} min, DAU ${int(s.dau)}, WAU ${int(s.wau)}, MAU ${int(s.mau)}`)
  const r = a('retention')
  if (r) out.push(`retention: ${r.cohorts.length} weekly cohorts, week 1 of the first ${pct(r.cohorts[0]?.retention[1])}`)
  const h = a('health')
  if (h) out.push(`health: ${int(h.subjects)} subjects, ${Object.entries(h.bands).map(([k, v]) => `${k} ${int(v)}`).join(', ')}`)
  const sv = a('surveys')
  if (sv) out.push(`surveys: ${sv.surveys.map((x) => `${x.surveyId} shown ${int(x.shown)} / responded ${int(x.responded)}`).join(', ')}`)
  return out
}

function report(results, info) {
  const out = []
  const dialects = [...new Set(results.map((r) => r.dialect))]
  const get = (dialect, events) => results.find((r) => r.dialect == dialect && r.events == events)
  const small = SIZES[0]
  const large = SIZES.at(-1)
  const personsOf = (events) => get(dialects[0], events)?.counts?.persons
  const personsRatio = personsOf(large) / personsOf(small)

  out.push(`Northstar metrics benchmark: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`)
  out.push(
    `Databases: SQLite ${info.sqlite} (temp file, WAL, synchronous=NORMAL)${info.postgres ? `; PostgreSQL ${info.postgres} (throwaway cluster of test/postgres.ts: shared_buffers 32MB, fsync on)` : ''}`,
  )
  out.push(`Data: bench/metrics-data.mjs, seed ${SEED}, 90 days to ${new Date(END).toISOString().slice(0, 16)}Z, project 'saas' (test/saas-project.json)`)
  out.push(
    `Queries: GET /v1/metrics/<name>?from=<30 days before>&to=${new Date(END).toISOString().slice(0, 16)}Z, now = the data's end, via app.request() in process; ${WARMUPS} warm-ups, then ${RUNS} measured, one at a time, the data sets taking turns`,
  )
  out.push('')
  out.push('Loading: validateMessage + toRow + ingest(db, rows), 500 rows per transaction, in event time order. Size: SQLite file + -wal after a checkpoint; PostgreSQL pg_database_size after VACUUM ANALYZE')
  out.push(
    table(
      ['database', 'events', 'persons', 'accounts', 'sessions', 'load s', 'events/s', 'in ingest() events/s', 'size MB', 'MB per 1M events', 'cpu loading', 'cpu querying'],
      results.map((r) => [
        `${r.dialect} ${label(r.events)}`,
        int(r.events),
        int(r.counts?.persons),
        int(r.counts?.accounts),
        int(r.counts?.sessions),
        r.loadMs ? (r.loadMs / 1000).toFixed(1) : '-',
        int((r.events / r.loadMs) * 1000),
        int((r.events / r.ingestMs) * 1000),
        mb(r.bytes),
        mb((r.bytes / r.events) * 1e6),
        cpu(r.loadCpu, r.dialect == 'postgres'),
        cpu(r.queryCpu, r.dialect == 'postgres'),
      ]),
    ),
  )
  out.push(`cpu: % of one core, this process / PostgreSQL (its processes) / the rest of the machine; ${cpus().length * 100}% = all cores`)
  if (results.some((r) => r.reused)) out.push('(load figures of a reused SQLite file are those of the run that made it)')
  if (results.some((r) => r.loadCpu?.other > BUSY || r.queryCpu?.other > BUSY))
    out.push(`* other processes took more than ${BUSY}% of a core meanwhile: the figures are slower than on a quiet machine; rerun on one to trust the verdicts.`)
  out.push('')

  const names = Object.keys(results[0].endpoints)
  const cell = (r, name) => {
    const e = r?.endpoints[name]
    if (!e) return '-'
    if (e.error) return 'ERROR'
    return `${ms(quantile(e.times, 0.5))} / ${ms(quantile(e.times, 0.95))}${e.times.length < RUNS ? ` (n=${e.times.length})` : ''}`
  }
  const p95 = (r, name) => quantile(r?.endpoints[name]?.error ? [] : r?.endpoints[name]?.times, 0.95)
  const headers = ['endpoint']
  for (const d of dialects) {
    for (const events of SIZES) headers.push(`${d} ${label(events)}`)
    if (d == 'sqlite' && SIZES.includes(1_000_000)) headers.push(`p95 < ${TARGET_P95_MS} ms at 1M`)
    if (SIZES.length > 1) headers.push(`growth`, `≤ ${ratio(personsRatio)}`)
  }
  const verdicts = { p95: [0, 0], growth: {} }
  const rows = names.map((name) => {
    const row = [name]
    for (const d of dialects) {
      for (const events of SIZES) row.push(cell(get(d, events), name))
      if (d == 'sqlite' && SIZES.includes(1_000_000)) {
        const p = p95(get(d, 1_000_000), name)
        const ok = p < TARGET_P95_MS
        verdicts.p95[ok ? 0 : 1]++
        row.push(ok ? 'PASS' : 'FAIL')
      }
      if (SIZES.length > 1) {
        const g = p95(get(d, large), name) / p95(get(d, small), name)
        const ok = g <= personsRatio
        verdicts.growth[d] ??= [0, 0]
        verdicts.growth[d][ok ? 0 : 1]++
        row.push(ratio(g), Number.isFinite(g) ? (ok ? 'PASS' : 'FAIL') : '-')
      }
    }
    return row
  })
  out.push(`Latency in ms, median / p95${SIZES.length > 1 ? `; growth = p95 at ${label(large)} ÷ p95 at ${label(small)}, target ≤ the persons ratio (${int(personsOf(small))} → ${int(personsOf(large))} persons: ${ratio(personsRatio)})` : ''}`)
  out.push(table(headers, rows))
  out.push('')

  out.push('Targets')
  if (SIZES.includes(1_000_000)) out.push(`- SQLite, 1,000,000 events, p95 < ${TARGET_P95_MS} ms: ${verdicts.p95[0]} of ${names.length} routes PASS${verdicts.p95[1] ? ` (FAIL: ${rows.filter((r) => r.includes('FAIL') && r[headers.indexOf(`p95 < ${TARGET_P95_MS} ms at 1M`)] == 'FAIL').map((r) => r[0]).join(', ')})` : ''}`)
  else out.push(`- SQLite, 1,000,000 events, p95 < ${TARGET_P95_MS} ms: not measured (no data set of 1,000,000 events)`)
  for (const [d, [pass]] of Object.entries(verdicts.growth)) out.push(`- growth no worse than linear in persons, ${d}: ${pass} of ${names.length} routes PASS`)
  if (SIZES.length < 2) out.push('- growth: not measured (one data set)')

  const errors = results.flatMap((r) => Object.entries(r.endpoints).filter(([, e]) => e.error).map(([name, e]) => `${r.dialect} ${label(r.events)} ${name}: ${e.error}`))
  if (errors.length) out.push('', 'Errors', ...errors.map((e) => `- ${e}`))

  if (dialects.length > 1) {
    const diffs = []
    for (const events of SIZES)
      for (const name of names) {
        const [a, b] = dialects.map((d) => get(d, events)?.endpoints[name]?.answer)
        if (!a || !b) continue
        const d = difference(a, b)
        if (d) diffs.push(`${label(events)} ${name}: ${d}`)
      }
    out.push('', diffs.length ? `Answers: SQLite and PostgreSQL DIFFER:\n${diffs.map((d) => `- ${d}`).join('\n')}` : 'Answers: SQLite and PostgreSQL agree on every route at every size')
  }
  const biggest = get('sqlite', large) ?? get(dialects[0], large)
  out.push('', `What the answers say (${biggest.dialect}, ${label(large)}):`, ...sanity(biggest.endpoints).map((l) => `  ${l}`))
  return out.join('\n')
}

// ---------------------------------------------------------------- profile summary

/** Top functions by self time, and the collector's by inclusive time, named by their source file (from esbuild's `// path` markers). */
function summarizeProfile(profile, lib) {
  const markers = []
  readFileSync(lib, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^\/\/ ((?:collector|test|bench)\/\S+\.ts)$/.exec(line)
      if (m) markers.push([i, m[1]])
    })
  const source = (frame) => {
    if (!frame.url) return frame.functionName.startsWith('(') ? '' : 'native'
    if (frame.url.endsWith('metrics-lib.mjs')) {
      let file = 'bundle'
      for (const [line, f] of markers) if (line <= frame.lineNumber) file = f
      return file
    }
    const nm = frame.url.lastIndexOf('node_modules/')
    if (nm >= 0) return frame.url.slice(nm + 13).split('/').slice(0, 2).join('/')
    return frame.url.replace(/^file:\/\/.*\//, '')
  }
  const name = (frame) => `${frame.functionName || '(anonymous)'}${source(frame) ? `  ${source(frame)}` : ''}`
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map()
  const inclusive = new Map()
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0
    const leaf = nodes.get(profile.samples[i])
    if (leaf.callFrame.functionName == '(idle)') continue
    total += dt
    self.set(name(leaf.callFrame), (self.get(name(leaf.callFrame)) ?? 0) + dt)
    const seen = new Set()
    for (let id = leaf.id; id != null; id = parent.get(id)) {
      const f = nodes.get(id).callFrame
      if (!source(f).startsWith('collector/')) continue
      const key = name(f)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt)
    }
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => [k, (us / 1000).toFixed(0), `${((100 * us) / total).toFixed(1)}%`])
  return [
    `CPU sampled: ${(total / 1000).toFixed(0)} ms (idle excluded)`,
    '',
    table(['function (self time)', 'ms', 'share'], top(self, 20)),
    '',
    table(['collector function (inclusive)', 'ms', 'share'], top(inclusive, 15)),
  ].join('\n')
}

// ---------------------------------------------------------------- main

async function main() {
  const lib = await bundleLib('metrics-lib')
  const { startPostgres, metrics } = await import(lib)
  if (PROFILE && !(PROFILE in metrics)) throw new Error(`--profile=${PROFILE}: no such route; the routes are ${Object.keys(metrics).join(', ')}`)
  const dir = mkdtempSync(join(tmpdir(), 'northstar-bench-metrics-'))
  if (KEEP) mkdirSync(KEEP, { recursive: true })
  const common = { lib, seed: SEED, runs: RUNS, warmups: WARMUPS, budgetMs: BUDGET_MS }
  const sqliteTarget = (events) => {
    if (!KEEP) return { file: join(dir, `sqlite-${events}`, 'northstar.db') }
    return { file: join(KEEP, `metrics-${events}-seed${SEED}`, 'northstar.db'), keep: true, reuse: true }
  }
  const info = { sqlite: await sqliteVersion() }
  const results = []
  try {
    if (PROFILE) {
      const events = SIZES.at(-1)
      const profileFile = join(dir, `${PROFILE}.cpuprofile`)
      log(`SQLite, ${int(events)} events, profiling ${PROFILE}`)
      const [r] = await runData([{ ...common, ...sqliteTarget(events), events, profile: PROFILE, profileFile }])
      const e = r.endpoints[PROFILE]
      console.log(`\n=== ${PROFILE} on SQLite, ${int(events)} events: median ${ms(quantile(e.times, 0.5))} ms, p95 ${ms(quantile(e.times, 0.95))} ms over ${e.times.length} requests (profiler on)${e.error ? `; ERROR ${e.error}` : ''}`)
      if (existsSync(profileFile)) {
        console.log(summarizeProfile(JSON.parse(readFileSync(profileFile, 'utf8')), lib))
        if (process.env.BENCH_PROFILE_KEEP) {
          mkdirSync(process.env.BENCH_PROFILE_KEEP, { recursive: true })
          const keep = join(process.env.BENCH_PROFILE_KEEP, `metrics-${PROFILE}-${events}.cpuprofile`)
          writeFileSync(keep, readFileSync(profileFile))
          log(`kept ${keep}`)
        }
      }
      return
    }

    log(`SQLite, ${SIZES.map(int).join(' and ')} events`)
    results.push(...(await runData(SIZES.map((events) => ({ ...common, ...sqliteTarget(events), events })))))
    if (!flag('sqlite-only')) {
      log('starting PostgreSQL')
      const pg = await startPostgres()
      try {
        log(`PostgreSQL, ${SIZES.map(int).join(' and ')} events`)
        const sets = []
        for (const events of SIZES) {
          const { url, version, postmaster } = await freshPgDatabase(pg, `bench_metrics_${events}`)
          info.postgres = version
          sets.push({ ...common, url, postmaster, events })
        }
        results.push(...(await runData(sets)))
      } finally {
        await pg.stop()
      }
    }
    log('done')
    console.log(`\n${report(results, info)}`)
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2))
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
