// The collector as it runs in production: real processes of the built dist/collector.mjs,
// killed with SIGKILL mid-traffic, and two of them writing to one PostgreSQL at once.
// DESIGN.md: "2xx means committed"; "two collectors writing the same batch store it once".
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { openDb } from '../../collector/db/index'
import { startPostgres, type Postgres } from '../postgres'
import {
  assertBuilt,
  batchBody,
  createDatabase,
  freePort,
  killAll,
  postBatch,
  PROJECT,
  query,
  random,
  sleep,
  startCollector,
  writeConfig,
  type Collector,
  type Track,
} from './process-helpers'

/** Printed with every figure: NORTHSTAR_SEED=<seed> replays a run's kill moments and messages. */
const SEED = Number(process.env.NORTHSTAR_SEED ?? Math.floor(Math.random() * 2 ** 31))
const PER_BATCH = 20

/** Started in the background while the SQLite test runs; the PostgreSQL tests await it. */
let postgres: Promise<Postgres> | undefined
const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-process-'))
  dirs.push(dir)
  return dir
}

beforeAll(() => {
  assertBuilt()
  postgres = startPostgres()
  postgres.catch(() => {}) // reported by the tests that await it
})
afterEach(() => killAll())
afterAll(async () => {
  await killAll()
  await (await postgres?.catch(() => undefined))?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const iso = (ms: number) => new Date(ms).toISOString()

/** Distinct free ports (freePort() alone may hand out the same one twice). */
async function ports(n: number) {
  const found = new Set<number>()
  while (found.size < n) found.add(await freePort())
  return [...found]
}

interface CrashLoop {
  label: string
  /** Starts a collector on the same port and the same database every time. */
  start(port: number): Collector
  /** Every stored message_id, read on a direct connection to the database. */
  storedIds(): Promise<string[]>
}

const KILLS = 5
const IN_FLIGHT = 3

/**
 * Senders post numbered batches flat out (IN_FLIGHT at a time), each retried until a 2xx;
 * meanwhile the collector is SIGKILLed KILLS times, 200-800 ms apart, and restarted on the
 * same port and database. Then it is SIGKILLed once more and the database read directly.
 */
async function crashLoop({ label, start, storedIds }: CrashLoop) {
  const rand = random(SEED)
  const [port] = await ports(1)
  let collector = start(port!)
  await collector.ready
  const { url } = collector

  let next = 0
  let stopping = false
  let failed: unknown
  let inFlight = 0
  let connectionErrors = 0
  const acked: number[] = []
  const unexpected: string[] = []
  const base = Date.now() - 3_600_000
  const batchOf = (b: number): Track[] =>
    Array.from({ length: PER_BATCH }, (_, i) => ({
      type: 'track',
      messageId: `b${b}-m${i}`,
      anonymousId: `anon-${b % 7}`,
      event: i == 0 ? 'Signed Up' : 'Clicked',
      timestamp: iso(base + b * PER_BATCH + i),
    }))

  const sender = async () => {
    while (!stopping) {
      const b = next++
      const body = batchBody(batchOf(b))
      // Retried until acknowledged, also after `stopping`: the batch is already on its way.
      while (!failed) {
        inFlight++
        try {
          const answer = await postBatch(url, body)
          if (answer.status >= 200 && answer.status < 300) {
            acked.push(b)
            break
          }
          unexpected.push(`batch ${b}: ${answer.status} ${answer.text}`)
          if (unexpected.length > 20) failed = new Error(`${label}: too many unexpected answers:\n${unexpected.join('\n')}`)
        } catch {
          connectionErrors++ // the collector is down or was killed mid-request: expected
        } finally {
          inFlight--
        }
        await sleep(25)
      }
    }
  }

  const inFlightAtKill: number[] = []
  const downtimes: number[] = []
  const killer = async () => {
    try {
      for (let k = 0; k < KILLS; k++) {
        await sleep(200 + rand() * 600)
        inFlightAtKill.push(inFlight)
        const killed = Date.now()
        await collector.kill('SIGKILL')
        collector = start(port!)
        await collector.ready
        downtimes.push(Date.now() - killed)
      }
      await sleep(300) // traffic on the last restart too
    } catch (error) {
      failed = error
    } finally {
      stopping = true
    }
  }

  await Promise.all([killer(), ...Array.from({ length: IN_FLIGHT }, sender)])
  if (failed) throw failed
  // Acknowledged means committed: the last one dies the same way before the check.
  await collector.kill('SIGKILL')

  const ids = await storedIds()
  const expected = acked.flatMap((b) => batchOf(b).map((m) => m.messageId))
  const stored = new Set(ids)
  const wanted = new Set(expected)
  const missing = expected.filter((id) => !stored.has(id))
  console.log(
    `[kill -9, ${label}] ${acked.length} batches (${expected.length} messages) acknowledged; ${KILLS} kills mid-traffic (requests in flight at each: ${inFlightAtKill.join(', ')}) + 1 before the check; down ${downtimes.join(', ')} ms; ${connectionErrors} failed attempts retried; seed ${SEED}`,
  )

  expect(unexpected, 'answers other than 2xx or a connection error').toEqual([])
  expect(acked.length, 'every batch sent was eventually acknowledged').toBe(next)
  expect(acked.length).toBeGreaterThan(KILLS)
  expect({
    missing: missing.length,
    firstMissing: missing.slice(0, 10),
    duplicates: ids.length - stored.size,
    unexpected: ids.filter((id) => !wanted.has(id)).slice(0, 10),
  }).toEqual({ missing: 0, firstMissing: [], duplicates: 0, unexpected: [] })
  expect(ids.length).toBe(expected.length)
}

test('kill -9 at random moments loses no acknowledged batch on SQLite, and stores each message once', async () => {
  const dir = tempDir()
  const config = writeConfig(dir)
  const file = join(dir, 'northstar.db')
  await crashLoop({
    label: 'SQLite',
    start: (port) => startCollector({ dir, config, port, sqlite: file }),
    storedIds: async () => {
      // Read-write, as the next collector would: a crash leaves the WAL to recover.
      const db = new SQLite(file)
      try {
        return db
          .prepare('select message_id from events')
          .all()
          .map((r) => (r as { message_id: string }).message_id)
      } finally {
        db.close()
      }
    },
  })
})

// A killed process loses nothing the OS holds, so the kill -9 test passes with no sync at all: this one pins the settings.
test('SQLite commits in WAL mode with synchronous NORMAL, or FULL when asked (NORTHSTAR_SYNCHRONOUS=FULL)', async () => {
  const dir = tempDir()
  for (const [synchronous, level] of [[undefined, 1], ['FULL', 2]] as const) {
    const db = await openDb({ file: join(dir, `${synchronous}.db`), synchronous, checkpoints: false })
    try {
      expect((await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely)).rows).toEqual([{ journal_mode: 'wal' }])
      expect((await sql<{ synchronous: number }>`pragma synchronous`.execute(db.kysely)).rows).toEqual([{ synchronous: level }])
    } finally {
      await db.close()
    }
  }
})

test('kill -9 at random moments loses no acknowledged batch on PostgreSQL, and stores each message once', async () => {
  const dir = tempDir()
  const config = writeConfig(dir)
  const url = await createDatabase((await postgres!).url, 'kill_nine')
  await crashLoop({
    label: 'PostgreSQL',
    start: (port) => startCollector({ dir, config, port, postgres: url }),
    storedIds: async () => (await query<{ message_id: string }>(url, 'select message_id from events')).map((r) => r.message_id),
  })
})

test('two collectors on one PostgreSQL (migrating at once) store every message exactly once and answer 200 to both copies of a batch', async () => {
  const dir = tempDir()
  const config = writeConfig(dir)
  const url = await createDatabase((await postgres!).url, 'two_collectors')
  const [portA, portB] = await ports(2)
  // Started together on an empty database: their migrations race too.
  const a = startCollector({ dir, config, port: portA!, postgres: url })
  const b = startCollector({ dir, config, port: portB!, postgres: url })
  await Promise.all([a.ready, b.ready])

  const rand = random(SEED + 1)
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)]!
  const base = Date.now() - 3_600_000
  const events = ['Signed Up', 'Clicked', 'Report Shared', '$step']
  const actors = Array.from({ length: 12 }, (_, i) => `anon-${i}`)
  const make = (prefix: string): Track[] =>
    Array.from({ length: PER_BATCH }, (_, i) => {
      const event = pick(events)
      return {
        type: 'track',
        messageId: `${prefix}-m${i}`,
        anonymousId: pick(actors),
        event,
        timestamp: iso(base + Math.floor(rand() * 3_600_000)),
        ...(event == '$step' && { properties: { step: pick(['create_project', 'invite_teammate']) } }),
      }
    })

  const sent: Track[] = []
  const answers: { to: string; batch: string; status: number; text: string }[] = []
  const send = async (to: Collector, name: string, batch: Track[]) => {
    try {
      const { status, text } = await postBatch(to.url, batchBody(batch))
      answers.push({ to: name, batch: batch[0]!.messageId, status, text })
    } catch (error) {
      answers.push({ to: name, batch: batch[0]!.messageId, status: 0, text: String((error as Error).cause ?? error) })
    }
  }
  const jobs: (() => Promise<unknown>)[] = []
  const SAME = 200
  for (let i = 0; i < SAME; i++) {
    // The same batch to both at the same moment…
    const same = make(`s${i}`)
    sent.push(...same)
    jobs.push(() => Promise.all([send(a, 'A', same), send(b, 'B', same)]))
    // …and, in between, different batches to each.
    if (i % 2 == 0) {
      const onlyA = make(`a${i}`)
      const onlyB = make(`b${i}`)
      sent.push(...onlyA, ...onlyB)
      jobs.push(() => Promise.all([send(a, 'A', onlyA), send(b, 'B', onlyB)]))
    }
  }
  const started = Date.now()
  let j = 0
  // 8 jobs at a time: up to 16 requests in flight over the two collectors.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (j < jobs.length) await jobs[j++]!()
    }),
  )
  const ms = Date.now() - started

  const requests = SAME * 2 + SAME
  expect(answers.filter((x) => x.status != 200).slice(0, 10), 'answers other than 200').toEqual([])
  expect(answers.length).toBe(requests)
  for (const c of [a, b]) expect((await fetch(`${c.url}/healthz`)).status, 'both collectors still up').toBe(200)

  const [counts] = await query<{ n: number; uniq: number }>(url, `select count(*)::int as n, count(distinct message_id)::int as uniq from events`)
  const storedIds = new Set((await query<{ message_id: string }>(url, `select message_id from events`)).map((r) => r.message_id))
  const missing = sent.filter((m) => !storedIds.has(m.messageId)).map((m) => m.messageId)
  console.log(
    `[two collectors, PostgreSQL] ${requests} batches answered 200 in ${ms} ms (${SAME} sent to both at once, ${SAME} different ones split between them); ${sent.length} messages sent, ${counts!.n} stored; seed ${SEED}`,
  )
  expect({ n: counts!.n, distinct: counts!.uniq, missing: missing.slice(0, 10) }).toEqual({ n: sent.length, distinct: sent.length, missing: [] })

  // Migrations ran once, whoever won the race.
  const migrations = await query<{ name: string; n: number }>(url, `select name, count(*)::int as n from kysely_migration group by name`)
  expect(migrations.length).toBeGreaterThan(0)
  expect(migrations.filter((m) => m.n != 1)).toEqual([])

  // Per-actor state: one row per actor, first and last seen and first occurrences the min/max over all messages.
  const times = (m: Track) => Date.parse(m.timestamp)
  const expectedActors = new Map<string, { first: number; last: number }>()
  const expectedFirsts = new Map<string, number>()
  for (const m of sent) {
    const actor = `a:${m.anonymousId}`
    const t = times(m)
    const seen = expectedActors.get(actor)
    expectedActors.set(actor, { first: Math.min(seen?.first ?? t, t), last: Math.max(seen?.last ?? t, t) })
    // track calls of user events and steps: each an action too
    const keys = [`e:${m.event}`, ...(m.event == '$step' ? [`s:${m.properties!.step}`] : []), 'action']
    for (const key of keys) expectedFirsts.set(`${actor} ${key}`, Math.min(expectedFirsts.get(`${actor} ${key}`) ?? t, t))
  }

  const duplicateActors = await query(url, `select project_id, actor, count(*)::int as n from actors group by project_id, actor having count(*) > 1`)
  expect(duplicateActors, 'actors with more than one row').toEqual([])
  const actorRows = await query<{ actor: string; first_time: string; last_time: string }>(url, `select actor, first_time, last_time from actors where project_id = '${PROJECT}' order by actor`)
  expect(Object.fromEntries(actorRows.map((r) => [r.actor, { first: Number(r.first_time), last: Number(r.last_time) }]))).toEqual(
    Object.fromEntries([...expectedActors].sort(([x], [y]) => (x < y ? -1 : 1))),
  )

  const firstRows = await query<{ actor: string; key: string; time: string }>(url, `select actor, key, time from firsts where project_id = '${PROJECT}'`)
  expect(firstRows.length, 'one firsts row per actor and key').toBe(expectedFirsts.size)
  expect(Object.fromEntries(firstRows.map((r) => [`${r.actor} ${r.key}`, Number(r.time)]))).toEqual(Object.fromEntries(expectedFirsts))
  // Spelled out for a few actors, so a failure reads plainly.
  for (const actor of ['a:anon-0', 'a:anon-5', 'a:anon-11']) {
    const row = firstRows.find((r) => r.actor == actor && r.key == 'e:Signed Up')
    expect(row && Number(row.time), `${actor}: first "Signed Up"`).toBe(expectedFirsts.get(`${actor} e:Signed Up`))
  }
})
