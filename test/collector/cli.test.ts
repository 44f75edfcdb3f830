// The `northstar` command as a user runs it: the built dist/collector.mjs in a folder of its own.
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { parseConfig } from '../../collector/config'

const cli = new URL('../../dist/collector.mjs', import.meta.url).pathname
const run = promisify(execFile)
let dir: string
const northstar = (...args: string[]) =>
  run('node', [cli, ...args], { cwd: dir, env: { ...process.env, NORTHSTAR_CONFIG: undefined, PORT: undefined } }).catch((error: { code: number; stdout: string; stderr: string }) => error)

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/collector.mjs is missing: run `npm run build` first (npm test does)')
  dir = mkdtempSync(join(tmpdir(), 'northstar-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('init writes a starter config with fresh keys, valid as it stands, and refuses to overwrite it', async () => {
  const { stdout } = await northstar('init')
  expect(stdout).toContain('Wrote ./northstar.config.json with fresh keys')
  const config = parseConfig(JSON.parse(readFileSync(join(dir, 'northstar.config.json'), 'utf8')))
  expect(config.projects[0]!.writeKey).toMatch(/^wk_[\w-]{24}$/)
  expect(config.projects[0]!.readKey).toMatch(/^rk_[\w-]{24}$/)
  const again = await northstar('init')
  expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('already exists') })
})

test('keys rotate gives a new write key and keeps the old one valid in previousWriteKeys', async () => {
  const before = JSON.parse(readFileSync(join(dir, 'northstar.config.json'), 'utf8')).projects[0]
  const { stdout } = await northstar('keys', 'rotate', 'my-app')
  const after = JSON.parse(readFileSync(join(dir, 'northstar.config.json'), 'utf8')).projects[0]
  expect(after.writeKey).not.toBe(before.writeKey)
  expect(after.previousWriteKeys).toEqual([before.writeKey])
  expect(stdout).toContain(after.writeKey)
  expect((await northstar('keys')).stdout).toContain(`my-app\twrite ${after.writeKey}\tread ${after.readKey}`)
})

test('keys rotate --read gives a new read key and keeps no old one', async () => {
  const before = JSON.parse(readFileSync(join(dir, 'northstar.config.json'), 'utf8')).projects[0]
  const { stdout } = await northstar('keys', 'rotate', 'my-app', '--read')
  const after = JSON.parse(readFileSync(join(dir, 'northstar.config.json'), 'utf8')).projects[0]
  expect(after.readKey).toMatch(/^rk_[\w-]{24}$/)
  expect(after.readKey).not.toBe(before.readKey)
  expect({ ...after, readKey: before.readKey }).toEqual(before)
  expect(stdout).toContain(after.readKey)
})

test('refuses an invalid config with the file, the path and the fix', async () => {
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ projects: [{ id: 'x', name: 'X', writeKey: 'wk_a', readKey: 'rk_a', writekey: 'oops' }] }))
  const result = await run('node', [cli, 'keys'], { cwd: dir, env: { ...process.env, NORTHSTAR_CONFIG: 'bad.json' } }).catch((e) => e)
  expect(result.code).toBe(1)
  expect(result.stderr.trim()).toBe('bad.json: projects[0]: Unrecognized key: "writekey" (did you mean "writeKey"?)')
})

test('migrate creates the SQLite database and exits', async () => {
  const result = await run('node', [cli, 'migrate'], { cwd: dir, env: { ...process.env, NORTHSTAR_DB: join(dir, 'db', 'n.db') } })
  expect(result.stdout).toContain('Migrated sqlite')
  expect(existsSync(join(dir, 'db', 'n.db'))).toBe(true)
})

test('names an unknown command and the ones there are', async () => {
  expect(await northstar('serve')).toMatchObject({ code: 2, stderr: expect.stringContaining('use start, init, keys [rotate <project> [--read]] or migrate') })
})

test('start with no config file serves a demo project, says so with its keys, stores and answers through its SQLite threads, and stops cleanly on SIGTERM', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'northstar-start-'))
  const child = spawn('node', [cli, 'start'], { cwd: empty, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NORTHSTAR_CONFIG: undefined } })
  let out = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', () => {
        const match = /on http:\/\/localhost:(\d+)/.exec(out)
        if (match) resolve(Number(match[1]))
      })
      child.once('exit', () => reject(new Error(`the collector exited: ${out}`)))
    })
    expect(out).toMatch(/No \.\/northstar\.config\.json: serving a demo project \(write key wk_[\w-]+, read key rk_[\w-]+\)/)
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true, database: 'sqlite' })
    // written by the writer thread, read back by the metrics reader thread
    const [, writeKey, readKey] = /write key (wk_[\w-]+), read key (rk_[\w-]+)/.exec(out)!
    const message = { type: 'track', event: 'Report Shared', messageId: 'm-1', userId: 'ann', timestamp: new Date().toISOString() }
    const stored = await fetch(`http://127.0.0.1:${port}/v1/batch`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ writeKey, batch: [message] }) })
    expect(stored.status).toBe(200)
    const ttv = await fetch(`http://127.0.0.1:${port}/v1/metrics/ttv`, { headers: { Authorization: `Bearer ${readKey}` } })
    expect(await ttv.json()).toMatchObject({ metric: 'ttv', cohort: 1, activated: 1 })
    const exit = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(existsSync(join(empty, '.northstar', 'northstar.db'))).toBe(true)
  } finally {
    child.kill('SIGKILL')
    rmSync(empty, { recursive: true, force: true })
  }
})
