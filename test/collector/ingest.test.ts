import { afterAll, beforeEach, describe, expect, test, vi } from 'vitest'
import type { Db } from '../../collector/db/index'
import { listQuarantine, quarantine } from '../../collector/db/quarantine'
import { createWriter } from '../../collector/db/writer'
import { errorResponse, indexKeys } from '../../collector/http'
import { ingestRoutes } from '../../collector/routes/ingest'
import { basic, config, dialects, iso, NOW, post, stopPostgres, storedIds, testApp, track, useTestDb } from './harness'

afterAll(() => stopPostgres())

describe.each(dialects)('ingestion on %s', (dialect) => {
  let db: Db
  let app: ReturnType<typeof testApp>
  useTestDb(dialect, (d) => (db = d))
  beforeEach(() => void (app = testApp(db)))

  const batch = (messages: unknown[], extra: Record<string, unknown> = {}) => post(app, '/v1/batch', { writeKey: 'wk_demo', batch: messages, ...extra })

  describe('storing', () => {
    test('stores a batch and answers 200 once committed', async () => {
      const res = await batch([track({ messageId: 'a' }), track({ messageId: 'b' })])
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ success: true })
      expect(await storedIds(db)).toEqual(['a', 'b'])
    })

    test('a retried batch stores nothing twice, answers 200, and the first copy wins', async () => {
      await batch([track({ messageId: 'a', event: 'First' })])
      const res = await batch([track({ messageId: 'a', event: 'Second' }), track({ messageId: 'b' })])
      expect(res.status).toBe(200)
      const rows = await db.kysely.selectFrom('events').select(['message_id', 'event']).orderBy('message_id').execute()
      expect(rows).toEqual([
        { message_id: 'a', event: 'First' },
        { message_id: 'b', event: 'Clicked' },
      ])
    })

    test('one messageId twice in one batch is stored once, the first copy', async () => {
      await batch([track({ messageId: 'a', event: 'First' }), track({ messageId: 'a', event: 'Second' })])
      expect(await db.kysely.selectFrom('events').select('event').execute()).toEqual([{ event: 'First' }])
    })

    test('accepts any opaque id, not only UUIDs', async () => {
      const id = `node-next-1732270000000-${'x'.repeat(36)}`
      expect((await batch([track({ messageId: id, anonymousId: '42', userId: 'ü@example.com' })])).status).toBe(200)
      expect(await storedIds(db)).toEqual([id])
    })

    test('keeps unknown keys of the message', async () => {
      await batch([track({ messageId: 'a', integrations: { All: true }, custom: [1, 2] })])
      const row = await db.kysely.selectFrom('events').select('message').executeTakeFirstOrThrow()
      expect(JSON.parse(row.message)).toMatchObject({ integrations: { All: true }, custom: [1, 2] })
    })

    test('takes the single forms of the Segment API', async () => {
      for (const [path, body] of [
        ['/v1/track', { messageId: 't', anonymousId: 'a1', event: 'Signed Up' }],
        ['/v1/identify', { messageId: 'i', userId: 'u1', traits: { plan: 'pro' } }],
        ['/v1/group', { messageId: 'g', userId: 'u1', groupId: 'acme' }],
        ['/v1/page', { messageId: 'p', anonymousId: 'a1', name: 'Home' }],
      ] as const) {
        const res = await post(app, path, body, { headers: { Authorization: basic('wk_demo'), 'Content-Type': 'application/json' } })
        expect(res.status, path).toBe(200)
      }
      const rows = await db.kysely.selectFrom('events').select(['message_id', 'type']).orderBy('message_id').execute()
      expect(rows).toEqual([
        { message_id: 'g', type: 'group' },
        { message_id: 'i', type: 'identify' },
        { message_id: 'p', type: 'page' },
        { message_id: 't', type: 'track' },
      ])
    })

    test('accepts gzip bodies', async () => {
      const res = await post(app, '/v1/batch', { writeKey: 'wk_demo', batch: [track({ messageId: 'z' })] }, { gzip: true })
      expect(res.status).toBe(200)
      expect(await storedIds(db)).toEqual(['z'])
    })
  })

  describe('one bad message does not drop its neighbours', () => {
    test('answers 400 listing the rejected by index and reason, and stores the rest', async () => {
      const res = await batch([
        track({ messageId: 'ok-1' }),
        track({ messageId: 'bad-score', event: '$survey_response', properties: { surveyId: 's', type: 'ces', score: 9 } }),
        track({ messageId: 'ok-2' }),
        { type: 'track', messageId: 'no-person', event: 'x' },
      ])
      expect(res.status).toBe(400)
      const { error } = await res.json()
      expect(error.code).toBe('invalid_messages')
      expect(error.message).toContain('2 of 4 messages were rejected; the other 2 were stored')
      expect(error.rejected).toEqual([
        { index: 1, path: 'properties.score', message: 'properties.score: must be from 1 to 7 for a CES survey' },
        { index: 3, path: 'anonymousId', message: 'anonymousId: a message needs an anonymousId or a userId (or both)' },
      ])
      expect(await storedIds(db)).toEqual(['ok-1', 'ok-2'])
    })

    test('says the valid ones were stored when the rejected cannot be quarantined; the retry stores none twice and keeps them', async () => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => {})
      let failures = 1
      const routes = ingestRoutes({
        keys: indexKeys(config.projects),
        now: () => NOW,
        write: createWriter(db),
        quarantine: (...args) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : quarantine(db, ...args)),
        limit: () => 0,
      }).onError((e, c) => errorResponse(c, e))
      const messages = [track({ messageId: 'ok' }), track({ messageId: 'bad', event: '$step', properties: {} })]
      const first = await post(routes, '/v1/batch', { writeKey: 'wk_demo', batch: messages })
      expect(first.status).toBe(500)
      expect((await first.json()).error).toMatchObject({ code: 'quarantine_failed', message: expect.stringContaining('1 of 2 messages were stored') })
      expect((await post(routes, '/v1/batch', { writeKey: 'wk_demo', batch: messages })).status).toBe(400)
      expect(await storedIds(db)).toEqual(['ok'])
      expect((await listQuarantine(db, 'demo')).map((r) => JSON.parse(r.payload).messageId)).toEqual(['bad'])
      error.mockRestore()
    })

    test('keeps the rejected in a quarantine the read key can see, never as events', async () => {
      await batch([track({ messageId: 'bad', event: '$step', properties: {} })])
      const res = await app.request('/v1/quarantine', { headers: { Authorization: 'Bearer rk_demo' } })
      const { rejected } = await res.json()
      expect(rejected).toEqual([expect.objectContaining({ reason: 'properties.step: Invalid input: expected string, received undefined', payload: expect.objectContaining({ messageId: 'bad' }) })])
      expect(await storedIds(db)).toEqual([])
      const other = await app.request('/v1/quarantine', { headers: { Authorization: 'Bearer rk_other' } })
      expect((await other.json()).rejected).toEqual([])
    })
  })

  describe('event time', () => {
    const time = async (id: string) =>
      db.kysely.selectFrom('events').select(['event_time', 'original_time']).where('message_id', '=', id).executeTakeFirstOrThrow()

    test('corrects the client clock by sentAt: timestamp + (receivedAt - sentAt)', async () => {
      // the client's clock runs 1 hour fast
      await batch([track({ messageId: 'a', timestamp: iso(NOW + 3_600_000 - 5000) })], { sentAt: iso(NOW + 3_600_000) })
      expect(await time('a')).toEqual({ event_time: NOW - 5000, original_time: iso(NOW + 3_600_000 - 5000) })
    })

    test('a message’s own sentAt wins over the body’s', async () => {
      await batch([track({ messageId: 'a', timestamp: iso(NOW - 60_000), sentAt: iso(NOW - 30_000) })], { sentAt: iso(NOW + 999_999) })
      expect((await time('a')).event_time).toBe(NOW - 30_000)
    })

    test('without sentAt the timestamp stands as it is', async () => {
      await batch([track({ messageId: 'a', timestamp: iso(NOW - 7000) })])
      expect(await time('a')).toEqual({ event_time: NOW - 7000, original_time: null })
    })

    test('falls back to originalTimestamp, then to the receipt time', async () => {
      await batch([
        track({ messageId: 'orig', timestamp: undefined, originalTimestamp: iso(NOW - 2000) }),
        track({ messageId: 'none', timestamp: undefined }),
      ])
      expect((await time('orig')).event_time).toBe(NOW - 2000)
      expect((await time('none')).event_time).toBe(NOW)
    })

    test('accepts the past whatever its age (backfills), and stores more than 24 h ahead as the receipt time, keeping the original', async () => {
      await batch([track({ messageId: 'old', timestamp: '1999-01-01T00:00:00Z' }), track({ messageId: 'future', timestamp: iso(NOW + 86_400_000 + 1000) })])
      expect((await time('old')).event_time).toBe(Date.UTC(1999, 0, 1))
      expect(await time('future')).toEqual({ event_time: NOW, original_time: iso(NOW + 86_400_000 + 1000) })
    })

    test('reads the years 0 to 99 as they are written, not as 1900 to 1999, and refuses an offset past 23:59', async () => {
      await batch([track({ messageId: 'y50', timestamp: '0050-06-01T00:00:00Z' })])
      expect(new Date((await time('y50')).event_time).toISOString()).toBe('0050-06-01T00:00:00.000Z')
      const res = await batch([track({ messageId: 'bad-offset', timestamp: '2026-01-01T00:00:00+99:99' })])
      expect((await res.json()).error.rejected).toEqual([expect.objectContaining({ index: 0, path: 'timestamp' })])
    })
  })

  describe('other clients', () => {
    test('analytics.js: its paths (/v1/b, /v1/t, /v1/i, /v1/g, /v1/p) and "userId": null for a visitor not signed in', async () => {
      const sent = (type: string, fields: Record<string, unknown>) => ({ type, messageId: `ajs-${type}`, anonymousId: 'v', userId: null, writeKey: 'wk_demo', ...fields })
      for (const [path, message] of [
        ['/v1/t', sent('track', { event: 'Clicked' })],
        ['/v1/p', sent('page', { name: 'Home' })],
        ['/v1/i', sent('identify', { userId: 'ann', traits: { plan: 'pro' } })],
        ['/v1/g', sent('group', { userId: 'ann', groupId: 'acme' })],
      ] as const)
        expect((await post(app, path, message)).status, path).toBe(200)
      const res = await post(app, '/v1/b', { writeKey: 'wk_demo', batch: [{ ...sent('track', { event: 'Batched' }), messageId: 'ajs-b' }], sentAt: iso(NOW) })
      expect(res.status).toBe(200)
      expect(await storedIds(db)).toEqual(['ajs-b', 'ajs-group', 'ajs-identify', 'ajs-page', 'ajs-track'])
      const actors = await db.kysely.selectFrom('actors').select(['actor', 'person']).execute()
      expect(actors).toEqual([{ actor: 'a:v', person: 'u:ann' }])
    })

    test('RudderStack: a numeric sessionId (the session’s start in epoch ms) is a session of that device, not shared with another’s', async () => {
      const rudder = (messageId: string, anonymousId: string, t: number) => track({ messageId, anonymousId, timestamp: iso(t), context: { sessionId: NOW - 60_000 } })
      expect((await batch([rudder('a1', 'a', NOW - 60_000), rudder('a2', 'a', NOW - 30_000), rudder('b1', 'b', NOW - 50_000)])).status).toBe(200)
      const sessions = await db.kysely.selectFrom('sessions').select(['session_id', 'actor', 'start_time', 'end_time']).orderBy('actor').execute()
      expect(sessions).toEqual([
        { session_id: `a:a#${NOW - 60_000}`, actor: 'a:a', start_time: NOW - 60_000, end_time: NOW - 30_000 },
        { session_id: `a:b#${NOW - 60_000}`, actor: 'a:b', start_time: NOW - 50_000, end_time: NOW - 50_000 },
      ])
    })

    test('a batch’s context does not turn a message’s context that is not an object into one', async () => {
      const res = await batch([track({ messageId: 'odd', context: 'oops' })], { context: { locale: 'de-DE' } })
      expect((await res.json()).error.rejected).toEqual([expect.objectContaining({ index: 0, path: 'context' })])
      expect(await storedIds(db)).toEqual([])
    })

    test('a batch’s context that cannot be stored rejects its messages by index, which a client drops, not the whole body', async () => {
      const res = await batch([track({ messageId: 'x' })], { context: { page: { title: 'a\u0000b' } } })
      expect(res.status).toBe(400)
      expect((await res.json()).error).toMatchObject({ code: 'invalid_messages', rejected: [{ index: 0, path: 'context.page.title' }] })
    })
  })

  describe('per-person state at ingest', () => {
    test('keeps first and last seen and the first occurrence of each event, step, feature and action, by event time', async () => {
      await batch([
        track({ messageId: '1', event: 'Report Shared', timestamp: iso(NOW - 1000) }),
        track({ messageId: '2', event: '$step', properties: { step: 'create_project' }, timestamp: iso(NOW - 5000) }),
        track({ messageId: '3', event: '$feature', properties: { feature: 'export_csv' }, timestamp: iso(NOW - 3000) }),
      ])
      // arrives later, happened earlier
      await batch([track({ messageId: '4', event: 'Report Shared', timestamp: iso(NOW - 9000) }), { type: 'page', messageId: '5', anonymousId: 'anon-1', timestamp: iso(NOW - 100) }])
      expect(await db.kysely.selectFrom('actors').select(['actor', 'first_time', 'last_time']).execute()).toEqual([
        { actor: 'a:anon-1', first_time: NOW - 9000, last_time: NOW - 100 },
      ])
      const firsts = await db.kysely.selectFrom('firsts').select(['key', 'time']).orderBy('key').execute()
      expect(firsts).toEqual([
        { key: 'action', time: NOW - 9000 }, // the first event that is not a page view, engagement or survey event
        { key: 'e:$feature', time: NOW - 3000 },
        { key: 'e:$step', time: NOW - 5000 },
        { key: 'e:Report Shared', time: NOW - 9000 },
        { key: 'f:export_csv', time: NOW - 3000 },
        { key: 's:create_project', time: NOW - 5000 },
        { key: 't:page', time: NOW - 100 },
      ])
    })

    test('links an anonymousId to the userId of its latest linking message by event time', async () => {
      await batch([track({ messageId: '1', userId: 'alice', timestamp: iso(NOW - 1000) })])
      await batch([track({ messageId: '2', userId: 'bob', timestamp: iso(NOW - 5000) })]) // older: does not win
      expect(await db.kysely.selectFrom('actors').select(['user_id', 'link_time']).executeTakeFirst()).toEqual({ user_id: 'alice', link_time: NOW - 1000 })
      await batch([track({ messageId: '3', userId: 'carol', timestamp: iso(NOW - 1000) })]) // same time, received later: wins
      expect(await db.kysely.selectFrom('actors').select('user_id').executeTakeFirst()).toEqual({ user_id: 'carol' })
    })

    test('merges traits key by key, each from the call with the greatest event time', async () => {
      const identify = (id: string, t: number, traits: object) => ({ type: 'identify', messageId: id, userId: 'u1', anonymousId: 'anon-1', timestamp: iso(t), traits })
      await batch([identify('1', NOW - 1000, { plan: 'pro', seats: 5 })])
      await batch([identify('2', NOW - 5000, { plan: 'free', company: 'Acme' })]) // older: only fills company
      await batch([identify('3', NOW - 500, { seats: 7 })])
      const traits = await db.kysely.selectFrom('traits').select(['kind', 'key', 'value']).orderBy('key').execute()
      expect(traits.map((t) => [t.kind, t.key, JSON.parse(t.value)])).toEqual([
        ['person', 'company', 'Acme'],
        ['person', 'plan', 'pro'],
        ['person', 'seats', 7],
      ])
    })

    test('keeps each person’s latest group and the account’s traits', async () => {
      const group = (id: string, t: number, groupId: string, traits = {}) => ({ type: 'group', messageId: id, anonymousId: 'anon-1', groupId, timestamp: iso(t), traits })
      await batch([group('1', NOW - 1000, 'acme', { name: 'Acme' }), group('2', NOW - 2000, 'globex')])
      expect(await db.kysely.selectFrom('memberships').select('group_id').execute()).toEqual([{ group_id: 'acme' }])
      expect(await db.kysely.selectFrom('traits').select(['kind', 'subject', 'key']).execute()).toEqual([{ kind: 'account', subject: 'acme', key: 'name' }])
    })

    test('a retried batch leaves the state as it was', async () => {
      const messages = [track({ messageId: '1', context: { sessionId: 's1' }, timestamp: iso(NOW - 1000) })]
      await batch(messages)
      const before = await db.kysely.selectFrom('sessions').selectAll().execute()
      await batch(messages)
      expect(await db.kysely.selectFrom('sessions').selectAll().execute()).toEqual(before)
      const { pid } = await db.kysely.selectFrom('persons').select('pid').where('person', '=', 'a:anon-1').executeTakeFirstOrThrow()
      expect(before).toEqual([{ project_id: 'demo', session_id: 's1', actor: 'a:anon-1', pid, start_time: NOW - 1000, end_time: NOW - 1000 }])
    })
  })
})

describe('Segment batch context', () => {
  let db: Db
  let app: ReturnType<typeof testApp>
  useTestDb('sqlite', (d) => ((db = d), (app = testApp(d))))

  test('applies a batch-level context to every message, each message’s own keys winning, and logs what a client dropped', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await post(app, '/v1/batch', {
      writeKey: 'wk_demo',
      context: { sessionId: 'shared-session', locale: 'de-DE', droppedMessages: 3 },
      batch: [track({ messageId: 'a' }), track({ messageId: 'b', context: { sessionId: 'own-session' } })],
    })
    const rows = await db.kysely.selectFrom('events').select(['message_id', 'session_id', 'message']).orderBy('message_id').execute()
    expect(rows.map((r) => [r.message_id, r.session_id])).toEqual([
      ['a', 'shared-session'],
      ['b', 'own-session'],
    ])
    expect(JSON.parse(rows[1]!.message).context).toEqual({ sessionId: 'own-session', locale: 'de-DE' })
    expect(warn).toHaveBeenCalledWith("Project demo: a client's full queue dropped 3 message(s) before this batch (its maxQueue)")
    warn.mockRestore()
  })
})

test('every activity key of a message names the message’s event as the one it is counted from', async () => {
  const { activityKeys, eventOfKey } = await import('../../collector/db/ingest')
  const messages = [
    { type: 'track', event: 'Report Shared', properties: {} },
    { type: 'track', event: '$step', properties: { step: 'a:b' } },
    { type: 'track', event: '$feature', properties: { feature: 'export' } },
    { type: 'track', event: '$survey_shown', properties: { surveyId: 'nps:1' } },
    { type: 'track', event: '$survey_response', properties: { surveyId: 'csat', score: 4 } },
    { type: 'page', event: null, properties: {} },
  ]
  for (const m of messages) {
    const [any, ...keys] = activityKeys(m)
    expect([any, eventOfKey(any!)]).toEqual(['', null]) // any event
    for (const key of keys) expect([key, eventOfKey(key)]).toEqual([key, m.event])
  }
})
