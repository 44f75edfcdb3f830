import { afterAll, describe, expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import { deleteExpired } from '../../collector/db/persons'
import { dialects, iso, NOW, post, stopPostgres, storedIds, testApp, track, useTestDb } from './harness'

afterAll(() => stopPostgres())

describe.each(dialects)('privacy on %s', (dialect) => {
  let db: Db
  let app: ReturnType<typeof testApp>
  useTestDb(dialect, (d) => ((db = d), (app = testApp(d))))

  const send = (...batch: unknown[]) => post(app, '/v1/batch', { writeKey: 'wk_demo', batch })
  const asReader = (path: string, method = 'GET', key = 'rk_demo') => app.request(path, { method, headers: { Authorization: `Bearer ${key}` } })

  async function twoDevicesOfAlice() {
    await send(
      track({ messageId: 'laptop-anon', anonymousId: 'laptop', timestamp: iso(NOW - 9000) }),
      { type: 'identify', messageId: 'laptop-id', anonymousId: 'laptop', userId: 'alice', traits: { plan: 'pro' }, timestamp: iso(NOW - 8000) },
      { type: 'identify', messageId: 'phone-id', anonymousId: 'phone', userId: 'alice', traits: { plan: 'team', email: 'a@x.test' }, timestamp: iso(NOW - 7000) },
      { type: 'group', messageId: 'phone-group', anonymousId: 'phone', userId: 'alice', groupId: 'acme', timestamp: iso(NOW - 6000) },
      track({ messageId: 'bob', anonymousId: 'bobs-laptop', userId: 'bob' }),
    )
  }

  test('exports a person: every device’s events, traits merged, the account', async () => {
    await twoDevicesOfAlice()
    const res = await asReader('/v1/persons/alice/export')
    expect(res.status).toBe(200)
    const data = await res.json()
    expect(data.anonymousIds.sort()).toEqual(['laptop', 'phone'])
    expect(data.traits).toEqual({ plan: 'team', email: 'a@x.test' })
    expect(data.account).toBe('acme')
    expect(data.events.map((e: { messageId: string }) => e.messageId)).toEqual(['laptop-anon', 'laptop-id', 'phone-id', 'phone-group'])
  })

  test('erases a person everywhere and leaves everyone else', async () => {
    await twoDevicesOfAlice()
    await send(track({ messageId: 'bad', anonymousId: 'laptop', userId: 'alice', event: '$step', properties: {} })) // quarantined
    // alerts quoting her answers, signed in or not yet, and one of someone whose id starts like hers
    for (const subject of ['u:alice/nps-main', 'u:alice', 'a:phone/csat-1', 'u:alicia/nps-main'])
      await db.kysely
        .insertInto('alerts')
        .values({ project_id: 'demo', cause: 'detractor', subject, url: 'http://hooks.test/', payload: '{}', created_at: NOW, status: 'pending', attempts: 0, next_attempt_at: NOW, last_error: null, sent_at: null })
        .execute()
    const res = await asReader('/v1/persons/alice', 'DELETE')
    expect(await res.json()).toEqual({ deleted: { events: 4, actors: 2 } })
    expect(await storedIds(db)).toEqual(['bob'])
    expect((await db.kysely.selectFrom('alerts').select('subject').execute()).map((a) => a.subject)).toEqual(['u:alicia/nps-main'])
    for (const table of ['actors', 'firsts', 'traits', 'memberships', 'activity', 'sessions'] as const) {
      const rows = await db.kysely.selectFrom(table).selectAll().execute()
      expect(JSON.stringify(rows), table).not.toMatch(/\ba:laptop|a:phone|alice/)
    }
    // her merged traits go with her person; everyone's left belong to a person still there
    const traits = await db.kysely.selectFrom('person_traits').leftJoin('persons', 'persons.pid', 'person_traits.pid').select(['persons.person', 'person_traits.value']).execute()
    expect(JSON.stringify(traits)).not.toMatch(/a@x\.test|"team"/)
    expect(traits.filter((t) => t.person == null)).toEqual([])
    expect((await (await asReader('/v1/quarantine')).json()).rejected).toEqual([])
  })

  // A shared computer: alice signs in, then bob. The device is bob's now (its latest link), but what alice sent there is hers.
  async function aliceThenBobOnOneDevice() {
    await send(
      { type: 'identify', messageId: 'alice-id', anonymousId: 'shared', userId: 'alice', traits: { email: 'a@x.test' }, timestamp: iso(NOW - 9000) },
      { type: 'group', messageId: 'alice-group', anonymousId: 'shared', userId: 'alice', groupId: 'acme', timestamp: iso(NOW - 8500) },
      track({ messageId: 'alice-track', anonymousId: 'shared', userId: 'alice', timestamp: iso(NOW - 8000) }),
      { type: 'identify', messageId: 'bob-id', anonymousId: 'shared', userId: 'bob', traits: { plan: 'pro' }, timestamp: iso(NOW - 7000) },
      track({ messageId: 'bob-track', anonymousId: 'shared', userId: 'bob', timestamp: iso(NOW - 6000) }),
    )
  }

  test('exports what a person sent from a device someone else signed in on later, and not into the other’s export', async () => {
    await aliceThenBobOnOneDevice()
    const data = await (await asReader('/v1/persons/alice/export')).json()
    expect(data.events.map((e: { messageId: string }) => e.messageId)).toEqual(['alice-id', 'alice-group', 'alice-track'])
    expect(data.traits).toEqual({ email: 'a@x.test' })
    expect(data.account).toBe('acme')
    const bob = await (await asReader('/v1/persons/bob/export')).json()
    expect(bob.events.map((e: { messageId: string }) => e.messageId)).toEqual(['bob-id', 'bob-track'])
    expect(bob).toMatchObject({ anonymousIds: ['shared'], traits: { plan: 'pro' }, account: null })
  })

  test('erases what a person sent from a device someone else signed in on later, and leaves the other’s', async () => {
    await aliceThenBobOnOneDevice()
    expect(await (await asReader('/v1/persons/alice', 'DELETE')).json()).toEqual({ deleted: { events: 3, actors: 0 } })
    expect(await storedIds(db)).toEqual(['bob-id', 'bob-track'])
    for (const table of ['traits', 'person_traits', 'memberships'] as const) {
      const rows = await db.kysely.selectFrom(table).selectAll().execute()
      expect(JSON.stringify(rows), table).not.toMatch(/a@x\.test|acme/)
    }
    expect((await db.kysely.selectFrom('traits').select('value').execute()).map((t) => t.value)).toEqual(['"pro"'])
    expect((await db.kysely.selectFrom('actors').select(['actor', 'person']).execute())).toEqual([{ actor: 'a:shared', person: 'u:bob' }])
  })

  test('erases the quarantined messages that carry the id exactly, not those an id with wildcards or another case would match', async () => {
    const bad = (messageId: string, userId: string) => track({ messageId, anonymousId: 'x', userId, event: '$step', properties: {} })
    await send(bad('percent', '%'), bad('under', 'a_c'), bad('upper', 'ALICE'), bad('alice', 'alice'), bad('abc', 'abc'))
    for (const id of ['%', 'a_c', 'alice']) await asReader(`/v1/persons/${encodeURIComponent(id)}`, 'DELETE')
    const { rejected } = await (await asReader('/v1/quarantine')).json()
    expect(rejected.map((r: { payload: { messageId: string } }) => r.payload.messageId).sort()).toEqual(['abc', 'upper'])
  })

  test('needs the read key: a write key is refused, another project’s read key finds nothing', async () => {
    await twoDevicesOfAlice()
    expect((await asReader('/v1/persons/alice', 'DELETE', 'wk_demo')).status).toBe(403)
    expect(await (await asReader('/v1/persons/alice', 'DELETE', 'rk_other')).json()).toEqual({ deleted: { events: 0, actors: 0 } })
    expect((await storedIds(db)).length).toBe(5)
  })

  test('stores no IP address', async () => {
    await app.request('/v1/batch', {
      method: 'POST',
      body: JSON.stringify({ writeKey: 'wk_demo', batch: [track({ messageId: 'ip' })] }),
      headers: { 'Content-Type': 'text/plain', 'X-Forwarded-For': '203.0.113.7' },
    })
    const row = await db.kysely.selectFrom('events').selectAll().executeTakeFirstOrThrow()
    expect(JSON.stringify(row)).not.toContain('203.0.113.7')
  })

  test('stores no IP address a client sends in context.ip, in a message or for its batch', async () => {
    await post(app, '/v1/batch', {
      writeKey: 'wk_demo',
      context: { ip: '198.51.100.1', locale: 'de-DE' },
      batch: [track({ messageId: 'batch-ip' }), track({ messageId: 'own-ip', context: { ip: '203.0.113.7', sessionId: 's' } })],
    })
    const rows = await db.kysely.selectFrom('events').select(['message_id', 'message']).orderBy('message_id').execute()
    expect(rows.map((r) => JSON.parse(r.message).context)).toEqual([{ locale: 'de-DE' }, { locale: 'de-DE', sessionId: 's' }])
  })

  test('retentionDays deletes older raw events and keeps the per-person state', async () => {
    await send(track({ messageId: 'old', timestamp: iso(NOW - 40 * 86_400_000) }), track({ messageId: 'new', timestamp: iso(NOW - 10 * 86_400_000) }))
    expect(await deleteExpired(db, [{ id: 'demo', retentionDays: 30 }, { id: 'other' }], NOW)).toBe(1)
    expect(await storedIds(db)).toEqual(['new'])
    expect(await db.kysely.selectFrom('actors').select('first_time').executeTakeFirst()).toEqual({ first_time: NOW - 40 * 86_400_000 })
  })

  test('retentionDays deletes to the millisecond, not whole hours', async () => {
    const cutoff = NOW - 30 * 86_400_000 // NOW is on the hour: its last hour is half expired
    await send(
      ...[-3_600_001, -1_800_000, -1, 0, 1, 1_800_000].map((offset) => track({ messageId: `at${offset}`, timestamp: iso(cutoff + offset) })),
    )
    expect(await deleteExpired(db, [{ id: 'demo', retentionDays: 30 }], NOW)).toBe(3)
    expect(await storedIds(db)).toEqual(['at0', 'at1', 'at1800000'])
  })
})
