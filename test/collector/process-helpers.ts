// Real collector processes for process-level tests: the built dist/collector.mjs,
// spawned with its own config file on 127.0.0.1, killed with real signals.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

export const COLLECTOR = fileURLToPath(new URL('../../dist/collector.mjs', import.meta.url))
export const WRITE_KEY = 'wk_process'
export const PROJECT = 'proc'

/** Fails with what to do when the collector has not been built. */
export function assertBuilt() {
  if (!existsSync(COLLECTOR)) throw new Error(`${COLLECTOR} is missing: these tests run the built collector; run \`npx rollup -c\` (npm test builds it first)`)
}

/** Writes a one-project northstar.config.json into dir; returns its path. */
export function writeConfig(dir: string): string {
  const file = join(dir, 'northstar.config.json')
  const config = {
    projects: [
      {
        id: PROJECT,
        name: 'Process tests',
        writeKey: WRITE_KEY,
        readKey: 'rk_process',
        activation: { valueEvent: 'Report Shared' },
        onboarding: { steps: [{ id: 'create_project', name: 'Create a project' }] },
      },
    ],
  }
  writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address == 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with NORTHSTAR_SEED. */
export function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Collector {
  url: string
  port: number
  pid: number
  /** Resolves once GET /healthz answers 200; rejects, with the process's output, if it exits first or takes too long. */
  ready: Promise<void>
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
  /** Sends the signal and waits for the process to be gone. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

const running = new Set<ChildProcess>()

/**
 * The collector dies with the test process: 'exit' handlers do not run when a vitest
 * worker is killed, so each child polls for its parent and leaves when it is gone.
 */
const ORPHAN_GUARD = `data:text/javascript,${encodeURIComponent('const p = process.ppid; setInterval(() => { if (process.ppid !== p) process.exit(1) }, 500).unref()')}`

export interface StartOptions {
  dir: string
  config: string
  port: number
  /** A SQLite file, or… */
  sqlite?: string
  /** …a PostgreSQL URL. */
  postgres?: string
  env?: Record<string, string>
}

/** Spawns `node dist/collector.mjs start`; await `.ready` before sending. */
export function startCollector({ dir, config, port, sqlite, postgres, env = {} }: StartOptions): Collector {
  assertBuilt()
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', NORTHSTAR_CONFIG: config, NORTHSTAR_RATE_LIMIT: '0', ...env }
  delete childEnv.DATABASE_URL
  delete childEnv.NORTHSTAR_DB
  if (postgres) childEnv.DATABASE_URL = postgres
  else childEnv.NORTHSTAR_DB = sqlite ?? join(dir, 'northstar.db')

  const child = spawn(process.execPath, ['--import', ORPHAN_GUARD, COLLECTOR, 'start'], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let out = ''
  const collect = (chunk: Buffer) => void (out = (out + chunk.toString()).slice(-20_000))
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    }),
  )
  const url = `http://127.0.0.1:${port}`

  const ready = (async () => {
    let gone: { code: number | null; signal: NodeJS.Signals | null } | undefined
    void exited.then((e) => (gone = e))
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      if (gone) throw new Error(`The collector on port ${port} exited (code ${gone.code}, signal ${gone.signal}) before answering /healthz:\n${out}`)
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
        if (res.status == 200) return
        await res.body?.cancel()
      } catch {}
      await sleep(25)
    }
    throw new Error(`The collector on port ${port} did not answer GET /healthz with 200 within 20 s:\n${out}`)
  })()
  ready.catch(() => {}) // awaited by the caller; never an unhandled rejection

  return {
    url,
    port,
    pid: child.pid!,
    ready,
    exited,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}

/** Kills every collector these helpers started and that still runs. */
export async function killAll() {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
}

export interface Answer {
  status: number
  text: string
}

/** POSTs a batch like the browser SDK: text/plain, the write key in the body. Throws on connection errors. */
export async function postBatch(url: string, body: string): Promise<Answer> {
  const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body, signal: AbortSignal.timeout(15_000) })
  return { status: res.status, text: await res.text() }
}

export interface Track {
  type: 'track'
  messageId: string
  anonymousId: string
  event: string
  timestamp: string
  properties?: Record<string, unknown>
}

/** No sentAt: the stored event time is then the timestamp itself, which the tests compare against. */
export const batchBody = (batch: Track[]) => JSON.stringify({ writeKey: WRITE_KEY, batch })

/** Creates an empty database on the cluster of `url`; returns its URL. */
export async function createDatabase(url: string, name: string): Promise<string> {
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  try {
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
  const created = new URL(url)
  created.pathname = `/${name}`
  return created.toString()
}

/** Runs a query on a direct connection (not through a collector). */
export async function query<T extends Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text)).rows
  } finally {
    await client.end()
  }
}
