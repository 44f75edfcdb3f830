// Over a real socket: the collector served by @hono/node-server, as in production.
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { serve, type ServerType } from '@hono/node-server'
import { Analytics } from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import { dialects, stopPostgres, storedIds, testApp, track, useTestDb } from './harness'

afterAll(() => stopPostgres())

describe.each(dialects)('over a real socket on %s', (dialect) => {
  let db: Db
  let server: ServerType
  let url: string
  useTestDb(dialect, (d) => (db = d))
  beforeAll(async () => {
    server = serve({ fetch: testApp(db, { now: Date.now }).fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  test('stores a text/plain batch from a browser origin and answers with CORS headers', async () => {
    const res = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      body: JSON.stringify({ writeKey: 'wk_demo', batch: [track({ messageId: 'sock-1' })] }),
      headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: 'http://app.test' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(await storedIds(db)).toEqual(['sock-1'])
  })

  test('takes gzip and refuses a gzip bomb with a JSON 413, staying up', async () => {
    const gz = (body: Buffer | string) =>
      fetch(`${url}/v1/batch`, { method: 'POST', body: gzipSync(body), headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', Authorization: `Basic ${btoa('wk_demo:')}` } })
    expect((await gz(JSON.stringify({ batch: [track({ messageId: 'gz' })] }))).status).toBe(200)
    const bomb = await gz(Buffer.alloc(200 * 1024 * 1024, ' '))
    expect(bomb.status).toBe(413)
    expect((await bomb.json()).error.code).toBe('too_large')
    expect(await storedIds(db)).toEqual(['gz'])
  })

  test('refuses a body over 500 KB as it streams in', async () => {
    const res = await fetch(`${url}/v1/batch`, { method: 'POST', body: 'x'.repeat(600 * 1024), headers: { 'Content-Type': 'text/plain' } })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'too_large' } })
  })

  test('a real Segment client (analytics-node) delivers track, identify, group and page as if the SDK had sent them', async () => {
    const analytics = new Analytics({ writeKey: 'wk_demo', host: url, flushAt: 4, maxRetries: 0 })
    const errors: unknown[] = []
    analytics.on('error', (e) => errors.push(e))
    analytics.identify({ userId: 'u-42', traits: { plan: 'pro', createdAt: '2026-11-01T09:00:00Z' } })
    analytics.group({ userId: 'u-42', groupId: 'acme', traits: { name: 'Acme' } })
    analytics.track({ userId: 'u-42', event: 'Report Shared', properties: { reportId: 'r1' } })
    analytics.page({ anonymousId: 'anon-7', name: 'Pricing', properties: { path: '/pricing' } })
    await analytics.closeAndFlush()
    expect(errors).toEqual([])
    const rows = await db.kysely.selectFrom('events').select(['type', 'event', 'actor', 'user_id', 'group_id', 'message_id']).orderBy('type').execute()
    expect(rows.map(({ message_id: _, ...r }) => r)).toEqual([
      { type: 'group', event: null, actor: 'u:u-42', user_id: 'u-42', group_id: 'acme' },
      { type: 'identify', event: null, actor: 'u:u-42', user_id: 'u-42', group_id: null },
      { type: 'page', event: null, actor: 'a:anon-7', user_id: null, group_id: null },
      { type: 'track', event: 'Report Shared', actor: 'u:u-42', user_id: 'u-42', group_id: null },
    ])
    for (const r of rows) expect(r.message_id).not.toMatch(/^[0-9a-f-]{36}$/) // analytics-node's own id form, kept as sent
    const traits = await db.kysely.selectFrom('traits').select(['kind', 'subject', 'key']).orderBy('key').execute()
    expect(traits).toEqual([
      { kind: 'person', subject: 'u:u-42', key: 'createdAt' },
      { kind: 'account', subject: 'acme', key: 'name' },
      { kind: 'person', subject: 'u:u-42', key: 'plan' },
    ])
  })
})
