// CPU cost of each phase of ingestion, in microseconds of CPU per event, run by
// `node bench/ingest.mjs --profile` (after the --cpu-prof runs) as its own process:
//   node bench/ingest-phases.mjs '{"lib":".../ingest-lib.mjs","dir":"/tmp/…"}'
//
// The steps of collector/routes/ingest.ts, each run alone over the same 2,000
// batch bodies (40,000 events; 20,000 single ones) and timed with process.cpuUsage(), so the
// figures hold on a machine shared with other work (wall-clock rates do not):
// JSON.parse, unsafeJson, BatchBody, validateMessage (zod), JSON.stringify of
// each message, eventTime and the row object, then ingest() on SQLite in groups
// of 32 requests; and the whole app in process (createApp + app.request, no
// sockets: Hono, the route, the writer, ingest). What the whole costs beyond
// the sum of its parts is Hono's and the Request/Response plumbing's.
// The same for single events on /v1/track.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT, PROJECT_CONFIG, filler, templates } from './ingest-events.mjs'

const o = JSON.parse(process.argv[2])
const lib = await import(o.lib)
const { openDb, ingest, validateMessage, toRow, unsafeJson, BatchBody, createApp, parseConfig } = lib
const GROUP = 32
const REQUESTS = { batch: 2000, single: 20_000 } // 40,000 and 20,000 events

const cpuUs = () => {
  const c = process.cpuUsage()
  return c.user + c.system
}
/** CPU µs of fn(), run twice (the first warms the JIT up); fn may be async. */
async function measure(fn) {
  await fn()
  const c = cpuUs()
  await fn()
  return cpuUs() - c
}

function bodies(kind, seed) {
  const pool = templates(kind, seed)
  const fill = filler()
  return Array.from({ length: REQUESTS[kind] }, (_, i) => {
    const t = pool[i % pool.length]
    const buf = Buffer.allocUnsafe(t.buf.length)
    fill(t, buf)
    return buf.toString('utf8')
  })
}

const row = (m, raw, bodySentAt, receivedAt) => toRow(PROJECT, m, raw, bodySentAt, receivedAt)

const config = parseConfig({ projects: [PROJECT_CONFIG] })
let dbs = 0
const freshDb = () => {
  const dir = join(o.dir, `phases-${++dbs}`)
  mkdirSync(dir, { recursive: true })
  return openDb({ file: join(dir, 'northstar.db') })
}

async function phases(kind) {
  // two sets of bodies: each measure() runs twice, and ingest must see new message ids the second time
  const sets = [bodies(kind, 11), bodies(kind, 12)]
  let round = 0
  const texts = () => sets[round++ % 2]
  const out = []
  const events = REQUESTS[kind] * (kind == 'batch' ? 20 : 1)
  const add = (name, us) => out.push({ name, usPerEvent: us / events })

  const parsed = sets.map((set) => set.map((t) => JSON.parse(t)))
  const messagesOf = (body) => (kind == 'batch' ? body.batch : [(({ writeKey: _, ...m }) => ({ ...m, type: 'track' }))(body)])
  add('JSON.parse of the body', await measure(() => texts().forEach((t) => JSON.parse(t))))
  add(
    'unsafeJson (body and each message)',
    await measure(() =>
      parsed[round++ % 2].forEach((body) => {
        if (kind == 'batch') unsafeJson({ ...body, batch: [] })
        for (const m of messagesOf(body)) unsafeJson(m)
      }),
    ),
  )
  if (kind == 'batch') add('BatchBody.safeParse (zod)', await measure(() => parsed[round++ % 2].forEach((body) => BatchBody.safeParse(body))))
  add('validateMessage (zod)', await measure(() => parsed[round++ % 2].forEach((body) => messagesOf(body).forEach((m) => validateMessage(m)))))
  add(
    'JSON.stringify of each message + byteLength',
    await measure(() => parsed[round++ % 2].forEach((body) => messagesOf(body).forEach((m) => Buffer.byteLength(JSON.stringify(m))))),
  )
  const valid = parsed.map((set) => set.map((body) => messagesOf(body).map((m) => validateMessage(m).message)))
  add(
    'eventTime + the row object',
    await measure(() => valid[round++ % 2].forEach((ms, i) => ms.forEach((m) => row(m, '', parsed[0][i].sentAt, Date.now())))),
  )

  // ingest on SQLite, GROUP requests per transaction, as the writer groups them under load
  const db = await freshDb()
  const groups = parsed.map((set) => {
    const rows = set.map((body) => messagesOf(body).map((m) => row(validateMessage(m).message, JSON.stringify(m), body.sentAt, Date.now())))
    return Array.from({ length: Math.ceil(rows.length / GROUP) }, (_, g) => rows.slice(g * GROUP, (g + 1) * GROUP).flat())
  })
  add(
    `ingest() on SQLite, ${GROUP} requests per transaction`,
    await measure(async () => {
      for (const g of groups[round++ % 2]) await ingest(db, g)
    }),
  )
  await db.close()
  const sum = out.reduce((n, p) => n + p.usPerEvent, 0)

  // the whole app in process: Hono, the route, the writer's group commit, ingest; GROUP requests at a time
  const appDb = await freshDb()
  const app = createApp({ db: appDb, config, rateLimit: { perSecond: 0, burst: 0 } })
  const path = kind == 'batch' ? '/v1/batch' : '/v1/track'
  let failures = 0
  const whole = await measure(async () => {
    const set = texts()
    for (let i = 0; i < set.length; i += GROUP) {
      const answers = await Promise.all(
        set.slice(i, i + GROUP).map((body) => app.request(path, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } })),
      )
      for (const a of answers) if (a.status != 200) failures++
    }
  })
  await appDb.close()
  out.push({ name: '= sum of the parts above', usPerEvent: sum })
  out.push({ name: `whole app in process (app.request, ${GROUP} concurrent)${failures ? `, ${failures} FAILED` : ''}`, usPerEvent: whole / events })
  out.push({ name: '  of which Hono, Request/Response, body stream, writer (whole − parts)', usPerEvent: whole / events - sum })
  return out
}

const result = { batch: await phases('batch'), single: await phases('single') }
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
