// A stand-in collector for the end-to-end tests: it serves the site (the
// built dist/ files and the HTML pages a test registers) and accepts
// POST /v1/batch, recording every request, and it can misbehave on demand.
// It stores by messageId, first copy wins, as the real collector does
// (DESIGN.md, "Idempotency"), and answers with the CORS headers of "Wire format".
//
// With `collector`, the receiver is a faulty network in front of the real
// collector: what it lets through is handed to the collector's app, which
// stores it (and dedupes it) in its own database, and its answer is relayed.
//
// Faults touch /v1/batch only: the site and northstar.js keep being served, as
// from a CDN in front of a collector that is down. Otherwise a page could not
// even load the SDK during an outage, and the test would prove nothing about it.
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

/** The fields of a batch message the tests look at; the rest is kept as sent. */
export interface Message {
  type: string
  messageId: string
  timestamp?: string
  event?: string
  name?: string
  userId?: string
  properties?: Record<string, unknown>
  [key: string]: unknown
}

/** How one batch request was answered. */
export type Outcome =
  | 'stored' // 200
  | 'unavailable' // 503 with Retry-After
  | 'error' // 500
  | 'reset' // socket destroyed before anything was stored
  | 'lost-answer' // stored, then the socket destroyed: the client never hears it
  | 'down' // the collector is down: refused per down()
  | 'forbidden' // 403: Origin not allowed
  | 'invalid' // 400: not JSON
  | 'refused' // the real collector answered other than 200

export interface BatchRequest {
  /** Date.now() when the request arrived and when it was answered (or dropped). */
  start: number
  end?: number
  /** Size of the body in bytes, as sent. */
  bytes: number
  headers: IncomingHttpHeaders
  body?: { writeKey?: string; sentAt?: string; batch?: Message[]; context?: { droppedMessages?: number } }
  messages: Message[]
  outcome?: Outcome
}

export interface Preflight {
  at: number
  url: string
  headers: IncomingHttpHeaders
}

/** How a down collector answers: its socket destroyed (refused), or an HTTP status. */
export type Down = 'destroy' | { status: number; retryAfter?: number }

export interface ReceiverOptions {
  /** Origins (exact scheme://host:port) whose writes are allowed; default this server's own, by IP and by name. */
  allowedOrigins?: string[]
  /** Share of batch requests that fail at random (503 + Retry-After: 1, 500, reset, or stored with the answer lost). */
  failureRate?: number
  /** Each batch answer waits a random time within [min, max] ms, so that sends are in flight long enough to be interrupted. */
  latency?: [min: number, max: number]
  /** The real collector's app (createApp(...).fetch): it stores what gets through, and its answer is relayed. */
  collector?: { fetch(request: Request): Response | Promise<Response> }
}

type Static = { body: Buffer | string; type: string; headers?: Record<string, string> }

const dist = new URL('../../dist/', import.meta.url).pathname
const javascript = 'text/javascript'
const html = 'text/html; charset=utf-8'

/** Throws the message a developer needs when the bundles were not built. */
export function requireDist(): void {
  if (!existsSync(join(dist, 'northstar.js')) || !existsSync(join(dist, 'snippet.min.js')))
    throw new Error(`dist/northstar.js or dist/snippet.min.js is missing: build first with 'npx rollup -c' (npm test builds before testing)`)
}

/** The built copy-paste snippet and its CSP hash (dist/snippet.min.js, dist/snippet.sha256). */
export function snippet(): { code: string; hash: string } {
  requireDist()
  return { code: readFileSync(join(dist, 'snippet.min.js'), 'utf8'), hash: readFileSync(join(dist, 'snippet.sha256'), 'utf8').trim() }
}

export async function createReceiver(options: ReceiverOptions = {}) {
  requireDist()
  const files = new Map<string, Static>()
  for (const name of ['northstar.js', 'northstar.mjs', 'snippet.min.js'])
    files.set(`/${name}`, { body: readFileSync(join(dist, name)), type: javascript })
  /** Paths whose GETs wait, with the function that lets them through. */
  const held = new Map<string, { until: Promise<void>; release: () => void }>()

  const requests: BatchRequest[] = []
  const preflights: Preflight[] = []
  const cspReports: unknown[] = []
  /** Stored messages by messageId, first copy wins. */
  const stored = new Map<string, Message>()
  let arrivals = 0
  let inFlight = 0
  const failureRate = options.failureRate ?? 0
  let down: Down | undefined
  let outageTimer: ReturnType<typeof setTimeout> | undefined

  const server = createServer((req, res) => void handle(req, res).catch((error) => {
    console.error('receiver:', error)
    res.destroy()
  }))
  // A socket destroyed on purpose is not an error worth a log line.
  server.on('clientError', (_, socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  const allowed = new Set(options.allowedOrigins ?? [origin, `http://localhost:${port}`])

  function cors(req: IncomingMessage, res: ServerResponse) {
    const from = req.headers.origin
    if (from && allowed.has(from)) res.setHeader('Access-Control-Allow-Origin', from)
    res.setHeader('Vary', 'Origin')
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After')
    res.setHeader('Access-Control-Max-Age', '7200')
  }

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  const error = (code: string, message: string, extra: object = {}) => ({ error: { code, message, ...extra } })

  async function read(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  /** The real collector's answer to the body, when there is one: relayed unless 200. */
  async function forward(raw: Buffer): Promise<Response | undefined> {
    if (!options.collector) return undefined
    const answer = await options.collector.fetch(new Request('http://collector.internal/v1/batch', { method: 'POST', body: new Uint8Array(raw), headers: { 'Content-Type': 'text/plain' } }))
    return answer.status == 200 ? undefined : answer
  }

  function store(messages: Message[]) {
    arrivals += messages.length
    for (const m of messages) if (!stored.has(m.messageId)) stored.set(m.messageId, m)
  }

  async function batch(req: IncomingMessage, res: ServerResponse) {
    const record: BatchRequest = { start: Date.now(), bytes: 0, headers: req.headers, messages: [] }
    requests.push(record)
    const done = (outcome: Outcome) => {
      record.outcome = outcome
      record.end = Date.now()
    }
    if (down == 'destroy') {
      // Refused before a byte is read, like a collector that is not listening.
      done('down')
      return void req.socket.destroy()
    }
    inFlight++
    try {
      const raw = await read(req)
      record.bytes = raw.length
      try {
        record.body = JSON.parse(raw.toString('utf8'))
        record.messages = Array.isArray(record.body?.batch) ? record.body.batch : []
      } catch {
        done('invalid')
        return json(res, 400, error('invalid_json', 'The body is not JSON'))
      }
      if (options.latency) {
        const [min, max] = options.latency
        await wait(min + Math.random() * (max - min))
      }
      if (req.headers.origin && !allowed.has(req.headers.origin)) {
        done('forbidden')
        return json(res, 403, error('origin_not_allowed', `Origin ${req.headers.origin} is not in allowedOrigins`))
      }
      // It may have gone down while this request was being read.
      const now = down as Down | undefined
      if (now == 'destroy') {
        done('down')
        return void req.socket.destroy()
      }
      if (now) {
        done('down')
        const { status, retryAfter } = now
        return json(res, status, error('unavailable', 'The collector is down'), retryAfter == null ? {} : { 'Retry-After': String(retryAfter) })
      }
      if (Math.random() < failureRate) {
        const fault = Math.floor(Math.random() * 4)
        if (fault == 0) {
          done('unavailable')
          return json(res, 503, error('unavailable', 'Try again later'), { 'Retry-After': '1' })
        }
        if (fault == 1) {
          done('error')
          return json(res, 500, error('internal', 'Something broke'))
        }
        if (fault == 2) {
          done('reset')
          return void req.socket.destroy()
        }
        const refused = await forward(raw)
        if (!refused) store(record.messages)
        done(refused ? 'refused' : 'lost-answer')
        return void req.socket.destroy()
      }
      const refused = await forward(raw)
      if (refused) {
        done('refused')
        res.writeHead(refused.status, Object.fromEntries(refused.headers))
        return void res.end(Buffer.from(await refused.arrayBuffer()))
      }
      store(record.messages)
      done('stored')
      json(res, 200, { ok: true })
    } finally {
      inFlight--
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', origin)
    cors(req, res)
    if (req.method == 'OPTIONS') {
      preflights.push({ at: Date.now(), url: url.pathname, headers: req.headers })
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Allow-Headers': 'Authorization, Content-Type' })
      return void res.end()
    }
    if (req.method == 'POST' && url.pathname == '/v1/batch') return batch(req, res)
    if (req.method == 'POST' && url.pathname == '/csp-report') {
      cspReports.push(JSON.parse((await read(req)).toString('utf8') || 'null'))
      return void res.writeHead(204).end()
    }
    const file = files.get(url.pathname)
    if ((req.method == 'GET' || req.method == 'HEAD') && file) {
      await held.get(url.pathname)?.until
      res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store', ...file.headers })
      return void res.end(req.method == 'HEAD' ? undefined : file.body)
    }
    json(res, 404, error('not_found', `No route for ${req.method} ${url.pathname}`))
  }

  return {
    port,
    /** http://127.0.0.1:PORT */
    origin,
    /** Every POST /v1/batch, in arrival order. */
    requests,
    /** Every OPTIONS request (the SDK should cause none). */
    preflights,
    /** Bodies POSTed to /csp-report. */
    cspReports,
    /** Stored messages by messageId, first copy wins. */
    stored,
    /** Messages that arrived in requests the receiver stored, counting every copy (the raw count). */
    get arrivals() {
      return arrivals
    },
    /** Copies stored beyond the first, i.e. arrivals minus distinct messageIds. */
    get duplicates() {
      return arrivals - stored.size
    },
    /** Batch requests read but not answered yet. */
    get inFlight() {
      return inFlight
    },
    /** Allows writes from more origins (known only once the port is), e.g. http://lan.test:PORT. */
    allow(...origins: string[]) {
      for (const o of origins) allowed.add(o)
    },
    /** Serves `body` at `path` (an HTML page by default), with extra response headers such as a CSP. */
    serve(path: string, body: string, headers: Record<string, string> = {}, type = html) {
      files.set(path, { body, type, headers })
    },
    /** Holds every GET of `path` until the returned function is called. */
    hold(path: string): () => void {
      let resolve!: () => void
      const until = new Promise<void>((r) => (resolve = r))
      const release = () => {
        if (held.get(path)?.until == until) held.delete(path)
        resolve()
      }
      held.set(path, { until, release })
      return release
    },
    /** Whether batch requests are being refused (down() or an outage). */
    get isDown() {
      return down != undefined
    },
    /** The collector is down until up(): every batch request is refused as `how` says. */
    down(how: Down = 'destroy') {
      down = how
    },
    up() {
      clearTimeout(outageTimer)
      down = undefined
    },
    /** The collector is down for `ms`, every batch request refused, then comes back by itself. */
    outage(ms: number, how: Down = 'destroy') {
      down = how
      clearTimeout(outageTimer)
      outageTimer = setTimeout(() => (down = undefined), ms)
    },
    /** Stored messages of the tracked event `name`. */
    events(name: string): Message[] {
      return [...stored.values()].filter((m) => m.type == 'track' && m.event == name)
    },
    async close() {
      clearTimeout(outageTimer)
      for (const { release } of [...held.values()]) release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type Receiver = Awaited<ReturnType<typeof createReceiver>>
