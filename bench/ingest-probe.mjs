// Preloaded into the collector by `node bench/ingest.mjs --profile`
// (node --import bench/ingest-probe.mjs dist/collector.mjs start): counts what
// the writer does without touching the collector's code.
// - better-sqlite3's Statement run/all/get and Database prepare are wrapped:
//   time spent in SQLite per statement kind, transactions (begin → commit)
//   with their event rows (the writer's group sizes) and wall time, which is
//   also how long the event loop is blocked, better-sqlite3 being synchronous
//   and Kysely's awaits only microtasks;
// - the event loop delay (perf_hooks).
// On exit the figures go to the JSON file NORTHSTAR_PROBE; a worker thread's
// (the SQLite writer thread runs it too: workers inherit --import) to
// NORTHSTAR_PROBE.<threadId>.
import { writeFileSync } from 'node:fs'
import { threadId } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const require = createRequire(join(process.cwd(), 'dist/collector.mjs'))
const SQLite = require('better-sqlite3')
const Statement = Object.getPrototypeOf(new SQLite(':memory:').prepare('select 1'))

const EVENT_COLUMNS = 13 // collector/db/ingest.ts inserts 13 columns per event
const kinds = {} // kind -> { calls, ms, rows }
const transactions = [] // { rows, ms }
const commits = [] // ms
let txStart = 0
let txRows = 0

const kindOf = (source) => {
  const s = source.trimStart().slice(0, 40).toLowerCase()
  if (s == 'begin' || s == 'commit' || s == 'rollback') return s
  const table = /^insert into "(\w+)"/.exec(s)?.[1]
  return table ? `insert ${table}` : s.split(' ')[0]
}

const add = (kind, ms, rows = 0) => {
  const k = (kinds[kind] ??= { calls: 0, ms: 0, rows: 0 })
  k.calls++
  k.ms += ms
  k.rows += rows
}

for (const method of ['run', 'all', 'get']) {
  const original = Statement[method]
  Statement[method] = function (...args) {
    const kind = kindOf(this.source)
    if (kind == 'begin') (txStart = performance.now()), (txRows = 0)
    const t = performance.now()
    try {
      return original.apply(this, args)
    } finally {
      const end = performance.now()
      const rows = kind == 'insert events' && Array.isArray(args[0]) ? args[0].length / EVENT_COLUMNS : 0
      txRows += rows
      add(kind, end - t, rows)
      if (kind == 'commit') commits.push(end - t)
      if (kind == 'commit' && txStart) transactions.push({ rows: txRows, ms: end - txStart })
    }
  }
}
const prepare = SQLite.prototype.prepare
SQLite.prototype.prepare = function (source) {
  const t = performance.now()
  try {
    return prepare.call(this, source)
  } finally {
    add(`prepare ${kindOf(source)}`, performance.now() - t)
  }
}

const loop = monitorEventLoopDelay({ resolution: 5 })
loop.enable()
const started = performance.now()

process.on('exit', () => {
  if (!process.env.NORTHSTAR_PROBE) return
  const file = process.env.NORTHSTAR_PROBE + (threadId ? `.${threadId}` : '')
  loop.disable()
  const sorted = (key) => transactions.map((t) => t[key]).sort((a, b) => a - b)
  const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
  const ms = sorted('ms')
  const rows = sorted('rows')
  writeFileSync(
    file,
    JSON.stringify({
      wallMs: performance.now() - started,
      kinds,
      transactions: {
        count: transactions.length,
        rows: { mean: rows.reduce((a, b) => a + b, 0) / (rows.length || 1), p50: pct(rows, 50), p99: pct(rows, 99), max: rows.at(-1) },
        ms: { total: ms.reduce((a, b) => a + b, 0), p50: pct(ms, 50), p99: pct(ms, 99), max: ms.at(-1) },
      },
      commitMs: (commits.sort((a, b) => a - b), { count: commits.length, p50: pct(commits, 50), p99: pct(commits, 99), max: commits.at(-1), over10: commits.filter((x) => x > 10).length }),
      eventLoopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    }),
  )
})
