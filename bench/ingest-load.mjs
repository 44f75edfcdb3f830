// The load generator of the ingestion benchmark, run as its own process by
// bench/ingest.mjs (fork, so it can report over IPC):
//   node bench/ingest-load.mjs '{"port":8787,"path":"/v1/batch","kind":"batch","connections":32,"warmupMs":2000,"durationMs":10000}'
//
// On raw sockets, like autocannon: `connections` keep-alive HTTP/1.1
// connections to 127.0.0.1, one request in flight on each. Two modes:
// - closed loop (default): each connection sends its next request as soon as
//   the answer is in: the server's maximum rate, latency mostly queueing
//   (connections ÷ rate);
// - paced ("rate": requests/s): requests are due at a fixed rate whatever the
//   answers do; a due request waits for a free connection, and its latency
//   counts from when it was due (no coordinated omission): the latency at a
//   given load.
// Every request carries fresh UUIDv7 message ids (a template filled in place,
// see ingest-events.mjs), so the collector never sees a duplicate. Only answers
// to requests due after the warm-up and received before the end count.
// Prints one JSON line with the counts and latency percentiles.
import { connect } from 'node:net'
import { filler, templates } from './ingest-events.mjs'

const o = { host: '127.0.0.1', connections: 32, warmupMs: 2000, durationMs: 10000, seed: 1, rate: 0, ...JSON.parse(process.argv[2] ?? '{}') }
const pool = templates(o.kind, o.seed)
const fill = filler()
const head = (length) => `POST ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n`

const latencies = []
const status = {}
let events = 0
let firstError
let stopping = false
let open = 0
const t0 = performance.now() + 200 // connections open first
const measureFrom = t0 + o.warmupMs
const measureTo = measureFrom + o.durationMs
const cpu0 = { at: 0, usage: process.cpuUsage() }
/** Paced mode: the due times of requests waiting for a connection, and the idle connections. */
const due = []
let dueHead = 0
const idle = []

function connection() {
  const out = Buffer.allocUnsafe(1 << 20)
  const socket = connect({ host: o.host, port: o.port })
  socket.setNoDelay(true)
  open++
  let since = 0
  let count = 0
  let acc = null
  let inFlight = false
  const self = { send: (at) => send(at), socket }

  const send = (at) => {
    const t = pool[Math.floor(Math.random() * pool.length)]
    const start = out.latin1Write(head(t.buf.length), 0)
    const end = fill(t, out, start)
    count = t.ids.length
    since = at
    inFlight = true
    // `out` is reused: safe, the answer (hence the end of this write) comes before the next fill
    socket.write(out.subarray(0, end))
  }
  const next = () => {
    if (stopping) return void socket.end()
    if (!o.rate) return send(performance.now())
    if (dueHead < due.length) return send(due[dueHead++])
    idle.push(self)
  }

  const answered = (code, body) => {
    const now = performance.now()
    inFlight = false
    if (since >= measureFrom && now <= measureTo) {
      latencies.push(now - since)
      status[code] = (status[code] ?? 0) + 1
      if (code >= 200 && code < 300) events += count
      else firstError ??= `${code} ${body.toString('utf8', 0, 300)}`
    }
    next()
  }

  socket.on('connect', next)
  socket.on('data', (chunk) => {
    acc = acc ? Buffer.concat([acc, chunk]) : chunk
    while (acc) {
      const headEnd = acc.indexOf('\r\n\r\n')
      if (headEnd < 0) return
      const text = acc.latin1Slice(0, headEnd + 2)
      const code = Number(text.slice(9, 12))
      const length = /\r\ncontent-length: *(\d+)/i.exec(text)
      let bodyEnd = headEnd + 4
      if (length) bodyEnd += Number(length[1])
      else if (/\r\ntransfer-encoding: *chunked/i.test(text)) {
        const last = acc.indexOf('\r\n0\r\n\r\n', headEnd + 2)
        if (last < 0) return
        bodyEnd = last + 7
      }
      if (acc.length < bodyEnd) return
      const body = acc.subarray(headEnd + 4, bodyEnd)
      acc = acc.length > bodyEnd ? acc.subarray(bodyEnd) : null
      answered(code, body)
    }
  })
  socket.on('error', (error) => {
    firstError ??= `socket: ${error.message}`
  })
  socket.on('close', () => {
    open--
    const at = idle.indexOf(self)
    if (at >= 0) idle.splice(at, 1)
    if (!stopping) {
      // an idle keep-alive connection may be closed by the server's keepAliveTimeout (paced mode): just reconnect
      if (inFlight) firstError ??= 'the server closed a connection with a request in flight'
      setTimeout(connection, 10)
    } else if (!open) finish()
  })
}

/** Paced mode: every millisecond, the requests now due go to idle connections or wait in `due`. */
function pace() {
  const interval = 1000 / o.rate
  let nextDue = t0
  const tick = () => {
    if (stopping) return
    const now = performance.now()
    for (; nextDue <= now; nextDue += interval) due.push(nextDue)
    while (idle.length && dueHead < due.length) idle.pop().send(due[dueHead++])
    if (dueHead > 100_000) due.splice(0, dueHead), (dueHead = 0)
    setTimeout(tick, 1)
  }
  setTimeout(tick, Math.max(0, t0 - performance.now()))
}

function finish() {
  clearTimeout(deadline)
  latencies.sort((a, b) => a - b)
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN)
  const seconds = o.durationMs / 1000
  const ok = Object.entries(status).reduce((n, [code, c]) => (Number(code) < 300 ? n + c : n), 0)
  const result = {
    rate: o.rate,
    requests: latencies.length,
    requestsPerSec: ok / seconds,
    eventsPerSec: events / seconds,
    bodyBytes: pool.reduce((n, t) => n + t.buf.length, 0) / pool.length,
    /** paced mode: requests due but never sent by the end (the server could not keep up) */
    backlog: due.length - dueHead,
    status,
    firstError,
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.at(-1) },
    cpu: cpu0.cpu,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
}

let deadline
setTimeout(() => {
  process.send?.({ phase: 'measure' })
  cpu0.usage = process.cpuUsage()
  cpu0.at = performance.now()
}, measureFrom - performance.now())
setTimeout(() => {
  const used = process.cpuUsage(cpu0.usage)
  cpu0.cpu = (used.user + used.system) / 1000 / (performance.now() - cpu0.at)
  process.send?.({ phase: 'done' })
  stopping = true
  for (const { socket } of idle.splice(0)) socket.end() // idle connections: close them
  // answers still in flight get 10 s; then give up on them
  deadline = setTimeout(() => {
    firstError ??= 'some answers never came'
    finish()
  }, 10_000)
}, measureTo - performance.now())

for (let i = 0; i < o.connections; i++) connection()
if (o.rate) pace()
