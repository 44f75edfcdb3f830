// Summarises a .cpuprofile of the collector (from `node bench/ingest.mjs --profile`)
// and the figures of bench/ingest-probe.mjs: where the collector's time goes.
//   node bench/ingest-profile.mjs some.cpuprofile [probe.json]    (also usable on its own)
//
// - By phase: each sample goes to the innermost collector function of its
//   stack that names a phase (readBody, parseJson, unsafeJson, validateMessage,
//   handle: the rest of the request handler, i.e. row building and
//   JSON.stringify; ingest / updateState: storage), else to the module of its
//   leaf frame (Hono, @hono/node-server, node's http, GC...).
// - Storage split by leaf: SQLite executing (native, shows as self time of
//   Kysely's SqliteConnection.executeQuery), SQLite preparing statements
//   (better-sqlite3's prepare: Kysely caches none), Kysely building and
//   compiling queries (JavaScript).
// - The top functions by self time.
import { readFileSync } from 'node:fs'

const PHASES = ['readBody', 'parseJson', 'unsafeJson', 'validateMessage', 'eventTime', 'writeProject', 'updateState', 'ingest', 'handle', 'drain', 'errorResponse', 'cors']

function moduleOf(frame) {
  const { url, functionName } = frame
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName || '(anonymous)'}`
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.startsWith('node:')) {
    const path = url.slice(5)
    if (path.includes('undici') || path.includes('webstreams') || path.includes('web/')) return 'node: fetch/web streams'
    if (/http|net|stream|_tls|dns/.test(path)) return 'node: http/net/streams'
    return 'node: other'
  }
  if (url.includes('/dist/collector.mjs')) return 'collector'
  return url.replace(/^file:\/\/.*\//, '')
}

export function summarize(profile, probe) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfTime = new Map()
  for (let i = 0; i < profile.samples.length; i++) selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))

  let total = 0
  let idle = 0
  const phase = new Map()
  const storage = new Map()
  const self = new Map()
  const inclusive = new Map()
  const isCollector = (f) => f.url.includes('/dist/collector.mjs')
  for (const [id, us] of selfTime) {
    const leaf = nodes.get(id).callFrame
    if (leaf.functionName == '(idle)') {
      idle += us
      continue
    }
    total += us
    const key = `${leaf.functionName || '(anonymous)'}  ${moduleOf(leaf)}${leaf.url ? `:${leaf.lineNumber + 1}` : ''}`
    self.set(key, (self.get(key) ?? 0) + us)
    // the stack, leaf first
    let innermost
    let inStorage = false
    const seen = new Set()
    for (let n = id; n != null; n = parent.get(n)) {
      const f = nodes.get(n).callFrame
      if (isCollector(f) && PHASES.includes(f.functionName)) {
        innermost ??= f.functionName
        if (!seen.has(f.functionName)) inclusive.set(f.functionName, (inclusive.get(f.functionName) ?? 0) + us), seen.add(f.functionName)
      }
      // Kysely's transaction runs begin and commit after ingest() has returned its promise: count its frames as storage too
      const m = moduleOf(f)
      if (m == 'kysely' || m == 'better-sqlite3' || m == 'ingest-probe.mjs' || (isCollector(f) && ['ingest', 'updateState', 'drain'].includes(f.functionName))) inStorage = true
    }
    const mod = moduleOf(leaf)
    const bucket = innermost && innermost != 'drain' ? innermost : inStorage ? 'ingest' : mod
    phase.set(bucket, (phase.get(bucket) ?? 0) + us)
    if (inStorage) {
      const probeStatement = mod == 'ingest-probe.mjs' && leaf.functionName.startsWith('Statement')
      const what =
        (leaf.functionName == 'executeQuery' && mod == 'kysely') || probeStatement
          ? 'SQLite executing statements, commit included (native)'
          : (leaf.functionName == 'prepare' && mod == 'better-sqlite3') || (mod == 'ingest-probe.mjs' && leaf.functionName.includes('prepare'))
            ? 'SQLite preparing statements (native; Kysely caches none)'
            : mod == 'kysely'
              ? 'Kysely building and compiling queries (JS)'
              : mod == 'collector'
                ? 'collector code (ingest/updateState: maps, sorting, JSON.stringify of traits)'
                : mod == 'ingest-probe.mjs' || leaf.functionName == 'now'
                  ? 'the probe itself (timing calls)'
                  : `other: ${mod}`
      storage.set(what, (storage.get(what) ?? 0) + us)
    }
  }

  const wall = total + idle
  const line = (name, us, of = total) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / of).toFixed(1).padStart(5)}%  ${name}`
  const top = (map, n, of) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => line(k, us, of))
  const describe = {
    readBody: 'readBody: reading the body stream (web streams), gunzip',
    parseJson: 'parseJson: content type, JSON.parse',
    unsafeJson: 'unsafeJson: depth / __proto__ walk (body and each message)',
    validateMessage: 'validateMessage: zod',
    eventTime: 'eventTime: Date.parse',
    writeProject: 'writeProject: keys, origin',
    handle: 'handle, rest: row building, JSON.stringify(message), BatchBody zod',
    ingest: 'storing: ingest(), the writer, Kysely transaction (begin, commit)',
    updateState: 'updateState: per-actor state (inside ingest)',
  }
  const out = []
  out.push(`CPU profile: ${(wall / 1e6).toFixed(1)} s sampled, busy ${(total / 1e6).toFixed(1)} s (${((100 * total) / wall).toFixed(0)}%), idle ${(idle / 1e6).toFixed(1)} s`)
  out.push('', 'Busy time by phase (innermost collector function on the stack, else the leaf frame\'s module):')
  out.push(...[...phase].sort((a, b) => b[1] - a[1]).slice(0, 16).map(([k, us]) => line(describe[k] ?? k, us)))
  out.push('', 'Inclusive time of collector functions (synchronous segments; async continuations included where the function resumes):')
  out.push(...[...inclusive].sort((a, b) => b[1] - a[1]).map(([k, us]) => line(k, us)))
  const storageTotal = [...storage.values()].reduce((a, b) => a + b, 0)
  out.push('', `Storage (under ingest/updateState/drain) split by leaf, ${(storageTotal / 1000).toFixed(0)} ms:`)
  out.push(...top(storage, 8, storageTotal))
  out.push('', 'Top functions by self time:')
  out.push(...top(self, 25, total))
  if (probe) {
    const t = probe.transactions
    out.push('', `Probe (better-sqlite3 wrapped), over ${(probe.wallMs / 1000).toFixed(1)} s of the collector's life:`)
    out.push(
      `  writer transactions: ${t.count}, event rows per transaction mean ${t.rows.mean.toFixed(0)} (p50 ${t.rows.p50}, p99 ${t.rows.p99}, max ${t.rows.max}): the writer's groups`,
    )
    out.push(
      `  transaction wall time begin → commit (the event loop is blocked meanwhile): total ${(t.ms.total / 1000).toFixed(1)} s, p50 ${t.ms.p50?.toFixed(1)} ms, p99 ${t.ms.p99?.toFixed(1)} ms, max ${t.ms.max?.toFixed(1)} ms`,
    )
    out.push(`  event loop delay: p50 ${probe.eventLoopDelayMs.p50.toFixed(1)} ms, p99 ${probe.eventLoopDelayMs.p99.toFixed(1)} ms, max ${probe.eventLoopDelayMs.max.toFixed(1)} ms`)
    const c = probe.commitMs
    if (c) out.push(`  commit alone: p50 ${c.p50.toFixed(2)} ms, p99 ${c.p99.toFixed(1)} ms, max ${c.max.toFixed(1)} ms; ${c.over10} of ${c.count} commits over 10 ms (WAL checkpoints)`)
    out.push('  time inside SQLite by statement (run/all/get, and prepare):')
    const kinds = Object.entries(probe.kinds).sort((a, b) => b[1].ms - a[1].ms)
    for (const [kind, k] of kinds)
      if (k.ms >= 1) out.push(`    ${(k.ms / 1000).toFixed(2).padStart(7)} s  ${String(k.calls).padStart(7)} calls  ${(k.ms / k.calls).toFixed(2).padStart(7)} ms/call  ${kind}${k.rows ? ` (${k.rows} rows)` : ''}`)
  }
  return out.join('\n')
}

if (import.meta.url == `file://${process.argv[1]}`) {
  const [file, probe] = process.argv.slice(2)
  console.log(summarize(JSON.parse(readFileSync(file, 'utf8')), probe ? JSON.parse(readFileSync(probe, 'utf8')) : undefined))
}
