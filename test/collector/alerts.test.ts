import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { checkHealth, deliver } from '../../collector/alerts'
import { parseConfig } from '../../collector/config'
import { openDb, type Db } from '../../collector/db/index'
import { startPostgres } from '../postgres'
import { dialects, NOW, post, stopPostgres, testApp, useTestDb } from './harness'
import { answer, DAY, group, identify, page } from './metrics/helpers'

afterAll(() => stopPostgres())

/** A real webhook endpoint: answers with the statuses given in turn (then 200), after `delay` ms. */
function endpoint() {
  const received: { body: any; at: number }[] = []
  let statuses: number[] = []
  let delay = 0
  let server: Server
  const self = {
    received,
    url: '',
    answer(...s: number[]) {
      statuses = s
    },
    slow(ms: number) {
      delay = ms
    },
    async start() {
      server = createServer((req, res) => {
        let text = ''
        req.on('data', (c) => (text += c))
        req.on('end', () =>
          setTimeout(() => {
            received.push({ body: JSON.parse(text), at: Date.now() })
            res.writeHead(statuses.shift() ?? 200).end()
          }, delay),
        )
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  }
  return self
}

const configFor = (url: string, on = ['detractor', 'low_csat', 'at_risk', 'usage_drop']) =>
  parseConfig({ projects: [{ id: 'saas', name: 'Metrics SaaS', writeKey: 'wk_saas', readKey: 'rk_saas', features: [{ id: 'export_csv', name: 'CSV export' }], webhooks: [{ url, on }] }] })

describe.each(dialects)('alerts on %s', (dialect) => {
  let db: Db
  useTestDb(dialect, (d) => (db = d))
  const hook = endpoint()
  beforeAll(() => hook.start())
  afterAll(() => hook.stop())
  afterEach(() => void hook.received.splice(0))

  const appFor = (now = NOW) => testApp(db, { config: configFor(hook.url), now: () => now })
  const send = async (app: ReturnType<typeof appFor>, batch: unknown[]) => expect((await post(app, '/v1/batch', { writeKey: 'wk_saas', batch })).status).toBe(200)
  /** A page view on each of `count` days, the first `from` days before NOW. */
  const days = (user: string, from: number, count: number) => Array.from({ length: count }, (_, i) => page({ user }, NOW - (from - i) * DAY))
  const listed = async (app: ReturnType<typeof appFor>) => ((await (await app.request('/v1/alerts', { headers: { Authorization: 'Bearer rk_saas' } })).json()) as { alerts: any[] }).alerts

  test('a detractor answer posts one JSON alert with a Slack-style text, once per person and survey', async () => {
    const app = appFor()
    await send(app, [answer({ user: 'ann' }, NOW - DAY, 'nps-main', 'nps', 3, 'too slow'), answer({ user: 'bob' }, NOW - DAY, 'nps-main', 'nps', 7)])
    await send(app, [answer({ user: 'ann' }, NOW - 1000, 'nps-main', 'nps', 2)]) // again: the same alert
    expect(await deliver(db, () => NOW)).toBe(1)
    expect(hook.received.map((r) => r.body)).toEqual([
      expect.objectContaining({ project: 'saas', cause: 'detractor', subject: 'u:ann/nps-main', score: 3, comment: 'too slow', text: 'Detractor in Metrics SaaS: u:ann scored 3/10 on nps-main: “too slow”' }),
    ])
    expect(await listed(app)).toEqual([expect.objectContaining({ cause: 'detractor', status: 'sent', attempts: 1, sent_at: NOW })])
  })

  test('CSAT 1-2 alerts; CSAT 3 and NPS 7-10 do not; a webhook gets only the causes it asked for', async () => {
    const app = testApp(db, { config: configFor(hook.url, ['low_csat']), now: () => NOW })
    await send(app, [answer({ user: 'a' }, NOW - DAY, 'csat-support', 'csat', 2), answer({ user: 'b' }, NOW - DAY, 'csat-support', 'csat', 3), answer({ user: 'c' }, NOW - DAY, 'nps-main', 'nps', 0)])
    await deliver(db, () => NOW)
    expect(hook.received.map((r) => [r.body.cause, r.body.subject])).toEqual([['low_csat', 'u:a/csat-support']])
  })

  test('retries with backoff until the endpoint answers 2xx, visible meanwhile', async () => {
    const app = appFor()
    hook.answer(500, 503)
    await send(app, [answer({ user: 'ann' }, NOW - DAY, 'nps-main', 'nps', 0)])
    expect(await deliver(db, () => NOW)).toBe(0)
    const [first] = await listed(app)
    expect(first).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500' })
    expect(first.next_attempt_at).toBeGreaterThanOrEqual(NOW + 15_000)
    expect(await deliver(db, () => NOW + 1000)).toBe(0) // not due yet
    expect(hook.received).toHaveLength(1)
    expect(await deliver(db, () => first.next_attempt_at)).toBe(0)
    const [second] = await listed(app)
    expect(second).toMatchObject({ status: 'pending', attempts: 2, last_error: 'HTTP 503' })
    expect(await deliver(db, () => second.next_attempt_at)).toBe(1)
    expect(await listed(app)).toEqual([expect.objectContaining({ status: 'sent', attempts: 3, last_error: null })])
  })

  test('gives up after 24 hours and keeps the alert as failed', async () => {
    const app = appFor()
    hook.answer(...Array(100).fill(500))
    await send(app, [answer({ user: 'ann' }, NOW - DAY, 'nps-main', 'nps', 0)])
    let now = NOW
    for (let i = 0; i < 60; i++) {
      await deliver(db, () => now)
      const [alert] = await listed(app)
      if (alert.status != 'pending') break
      now = alert.next_attempt_at
    }
    const [alert] = await listed(app)
    expect(alert).toMatchObject({ status: 'failed', last_error: 'HTTP 500' })
    expect(now - NOW).toBeLessThanOrEqual(DAY)
    expect(hook.received.length).toBeGreaterThan(5)
  })

  test('an account whose band falls to at risk alerts once, and one whose active days halve; a subject first seen at risk does not', async () => {
    const app = appFor()
    // a month ago, acme was in use every day: neutral (usage 40, support 15, payments 15)
    await send(app, [group({ user: 'm' }, NOW - 61 * DAY, 'acme'), ...days('m', 60, 30)])
    await checkHealth(db, configFor(hook.url), NOW - 30 * DAY)
    // since then, 3 days of use, nine tickets and late payments: critical, and its active days 30 -> 3
    await send(app, [group({ user: 'm' }, NOW - 10 * DAY, 'acme', { supportTickets: 9, paymentsCurrent: false }), ...days('m', 10, 3)])
    await send(app, [identify({ user: 'fine' }, NOW - 5 * DAY), ...days('fine', 29, 29)])
    await send(app, [identify({ user: 'new' }, NOW - 2 * DAY)]) // first seen with no usage: critical, but it fell from nowhere
    await checkHealth(db, configFor(hook.url), NOW)
    await checkHealth(db, configFor(hook.url), NOW + 3_600_000)
    await deliver(db, () => NOW + 3_600_000)
    expect(hook.received.map((r) => [r.body.cause, r.body.subject]).sort()).toEqual([
      ['at_risk', 'acme'],
      ['usage_drop', 'acme'],
    ])
    expect(hook.received.find((r) => r.body.cause == 'at_risk')!.body).toMatchObject({ band: 'critical', previousBand: 'neutral' })
    expect(hook.received.find((r) => r.body.cause == 'usage_drop')!.body).toMatchObject({ activeDays: 3, previousActiveDays: 30 })
  })

  test('active days that drop by exactly half alert; by less than half, not', async () => {
    const app = appFor()
    await send(app, [...days('half', 50, 10), ...days('half', 20, 5), ...days('less', 50, 10), ...days('less', 20, 6)])
    await checkHealth(db, configFor(hook.url, ['usage_drop']), NOW)
    await deliver(db, () => NOW)
    expect(hook.received.map((r) => [r.body.subject, r.body.activeDays, r.body.previousActiveDays])).toEqual([['u:half', 5, 10]])
  })
})

describe('alerts across restarts and collectors', () => {
  const hook = endpoint()
  beforeAll(() => hook.start())
  afterAll(() => hook.stop())
  afterEach(() => void hook.received.splice(0))

  test('a pending alert survives a restart of the collector', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'northstar-alerts-'))
    const file = join(dir, 'northstar.db')
    try {
      let db = await openDb({ file })
      hook.answer(500)
      await post(testApp(db, { config: configFor(hook.url) }), '/v1/batch', { writeKey: 'wk_saas', batch: [answer({ user: 'z' }, NOW - DAY, 'nps-main', 'nps', 1)] })
      expect(await deliver(db, () => NOW)).toBe(0)
      await db.close()
      // the process is gone; a new one finds the alert in the outbox and sends it when due
      db = await openDb({ file })
      expect(await deliver(db, () => NOW + 3_600_000)).toBe(1)
      expect(hook.received.map((r) => r.body.subject)).toEqual(['u:z/nps-main', 'u:z/nps-main'])
      await db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('two collectors on one PostgreSQL never send the same alert', async () => {
    const pg = await startPostgres()
    const [a, b] = [await openDb({ url: pg.url }), await openDb({ url: pg.url })]
    try {
      const app = testApp(a, { config: configFor(hook.url) })
      await post(app, '/v1/batch', { writeKey: 'wk_saas', batch: Array.from({ length: 30 }, (_, i) => answer({ user: `p${i}` }, NOW - DAY, 'nps-main', 'nps', i % 7)) })
      hook.slow(20)
      // both drain the outbox at once, a few alerts per claim, as two collectors' timers would
      const drain = async (db: Db) => {
        let sent = 0
        for (let n; (n = await deliver(db, () => NOW, fetch, 3)); ) sent += n
        return sent
      }
      const [x, y] = await Promise.all([drain(a), drain(b)])
      expect(x + y).toBe(30)
      expect(x).toBeGreaterThan(0)
      expect(y).toBeGreaterThan(0)
      const subjects = hook.received.map((r) => r.body.subject)
      expect(new Set(subjects).size).toBe(30)
      expect(subjects).toHaveLength(30)
    } finally {
      hook.slow(0)
      await a.close()
      await b.close()
      await pg.stop()
    }
  })
})
