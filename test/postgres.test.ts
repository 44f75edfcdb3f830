import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { expect, test, vi } from 'vitest'
import { INSTALL_HINT, startPostgres } from './postgres'

test('startPostgres gives a durable throwaway cluster and removes it on stop', async () => {
  const t0 = performance.now()
  const postgres = await startPostgres()
  const t1 = performance.now()

  const { hostname, port, pathname } = new URL(postgres.url)
  expect(hostname).toBe('127.0.0.1')
  expect(pathname).toBe('/northstar_test')

  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  let folder = ''
  try {
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    expect((await client.query('show synchronous_commit')).rows[0].synchronous_commit).toBe('on')
    expect((await client.query('show fsync')).rows[0].fsync).toBe('on')
    const { rows } = await client.query(`select setting from pg_settings where name = 'unix_socket_directories'`)
    folder = rows[0].setting
  } finally {
    await client.end()
  }

  expect(existsSync(folder)).toBe(true)
  const t2 = performance.now()
  await postgres.stop()
  const t3 = performance.now()
  expect(existsSync(folder)).toBe(false)
  console.log(`postgres on :${port}: start ${(t1 - t0).toFixed(0)} ms, stop ${(t3 - t2).toFixed(0)} ms`)
}, 60_000)

test('fails with the one-line install hint where PostgreSQL’s server binaries are missing', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'northstar-no-pg-'))
  vi.stubEnv('PG_BIN', empty)
  try {
    await expect(startPostgres()).rejects.toThrow(`${INSTALL_HINT}; PG_BIN=${empty} has no initdb, pg_ctl and postgres`)
  } finally {
    vi.unstubAllEnvs()
    rmSync(empty, { recursive: true })
  }
})
