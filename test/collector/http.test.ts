import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import { listQuarantine, quarantine } from '../../collector/db/quarantine'
import { basic, dialects, NOW, post, stopPostgres, storedIds, testApp, track, useTestDb } from './harness'

afterAll(() => stopPostgres())

const json = (body: unknown) => JSON.stringify(body)
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const batchOf = (...messages: unknown[]) => json({ writeKey: 'wk_demo', batch: messages })

/** Each is bad input: answered 4xx with a JSON error that says what to fix, nothing stored. */
const badInputs: [name: string, status: number, code: string, body: string | Buffer, headers?: Record<string, string>, path?: string][] = [
  ['malformed JSON', 400, 'invalid_json', '{"writeKey": "wk_demo", batch: []}'],
  ['truncated JSON', 400, 'invalid_json', batchOf(track()).slice(0, -7)],
  ['a form content type', 415, 'unsupported_media_type', batchOf(track()), { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ['no content type', 415, 'unsupported_media_type', batchOf(track()), { 'Content-Type': '' }],
  ['an empty body', 400, 'empty_body', ''],
  ['a JSON array as body', 400, 'invalid_body', '[]'],
  ['a 600 KB batch', 413, 'too_large', batchOf(...Array.from({ length: 20 }, () => track({ properties: { blob: 'x'.repeat(30_000) } })))],
  ['a 40 KB message', 400, 'invalid_messages', batchOf(track({ properties: { blob: 'x'.repeat(40_000) } }))],
  ['deeply nested JSON', 400, 'invalid_messages', `{"writeKey":"wk_demo","batch":[${json(track()).slice(0, -1)},"properties":${nested(20_000)}}]}`],
  ['deeply nested JSON around the batch', 400, 'invalid_body', `{"writeKey":"wk_demo","batch":[${json(track())}],"extra":${nested(100)}}`],
  ['deeply nested JSON in the batch’s context', 400, 'invalid_messages', `{"writeKey":"wk_demo","batch":[${json(track())}],"context":${nested(100)}}`],
  ['a __proto__ key', 400, 'invalid_messages', `{"writeKey":"wk_demo","batch":[${json(track()).slice(0, -1)},"properties":{"__proto__":{"admin":true}}}]}`],
  ['a constructor key', 400, 'invalid_messages', batchOf(track({ traits: { constructor: { prototype: 1 } } }))],
  ['a NUL character in an event name', 400, 'invalid_messages', batchOf(track({ event: 'a\u0000b' }))],
  ['a NUL character in a property’s key', 400, 'invalid_messages', batchOf(track({ properties: { 'a\u0000': 1 } }))],
  ['a lone surrogate in an anonymousId', 400, 'invalid_messages', batchOf(track({ anonymousId: 'a\ud800' }))],
  ['a lone surrogate in a messageId', 400, 'invalid_messages', batchOf(track({ messageId: 'm\udc01' }))],
  ['a lone surrogate in a trait’s key', 400, 'invalid_messages', batchOf(track({ type: 'identify', traits: { ['k\ud800']: 1 } }))],
  ['a 201-character trait key', 400, 'invalid_messages', batchOf(track({ type: 'identify', traits: { ['k'.repeat(201)]: 1 } }))],
  ['an unknown type', 400, 'invalid_messages', batchOf(track({ type: 'screen' }))],
  ['an NPS score of 11', 400, 'invalid_messages', batchOf(track({ event: '$survey_response', properties: { surveyId: 's', type: 'nps', score: 11 } }))],
  ['a CSAT score of 0', 400, 'invalid_messages', batchOf(track({ event: '$survey_response', properties: { surveyId: 's', type: 'csat', score: 0 } }))],
  ['a fractional score', 400, 'invalid_messages', batchOf(track({ event: '$survey_response', properties: { surveyId: 's', type: 'nps', score: 7.5 } }))],
  ['a missing messageId', 400, 'invalid_messages', batchOf(track({ messageId: undefined }))],
  ['a messageId of the wrong type', 400, 'invalid_messages', batchOf(track({ messageId: 42 }))],
  ['a 201-character userId', 400, 'invalid_messages', batchOf(track({ userId: 'u'.repeat(201) }))],
  ['no anonymousId nor userId', 400, 'invalid_messages', batchOf(track({ anonymousId: undefined }))],
  ['an unparsable timestamp', 400, 'invalid_messages', batchOf(track({ timestamp: 'yesterday at noon' }))],
  ['an empty batch', 400, 'invalid_body', json({ writeKey: 'wk_demo', batch: [] })],
  ['a gzip bomb', 413, 'too_large', gzipSync(Buffer.alloc(100 * 1024 * 1024)), { 'Content-Encoding': 'gzip' }],
  ['a body that is not gzip', 400, 'bad_gzip', batchOf(track()), { 'Content-Encoding': 'gzip' }],
  ['a write from an Origin not allowed', 403, 'origin_not_allowed', batchOf(track()), { Origin: 'https://evil.test' }],
  ['a write from another project’s Origin', 403, 'origin_not_allowed', batchOf(track()), { Origin: 'http://other.test' }],
  ['an unknown write key', 401, 'unknown_write_key', json({ writeKey: 'wk_nope', batch: [track()] })],
  ['no write key', 401, 'missing_write_key', json({ batch: [track()] })],
  ['a read key used for writing', 403, 'read_key', json({ writeKey: 'rk_demo', batch: [track()] })],
]

describe.each(dialects)('bad input on %s', (dialect) => {
  let db: Db
  let app: ReturnType<typeof testApp>
  useTestDb(dialect, (d) => ((db = d), (app = testApp(d))))

  test.each(badInputs)('%s: %i %s, nothing stored, the server still up', async (_, status, code, body, headers = {}) => {
    const res = await app.request('/v1/batch', { method: 'POST', body: body as BodyInit, headers: { 'Content-Type': 'text/plain', ...headers } })
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const { error } = await res.json()
    expect(error.code).toBe(code)
    expect(error.message.length).toBeGreaterThan(20) // says what is wrong and how to fix it
    expect(await storedIds(db)).toEqual([])
    expect((await post(app, '/v1/batch', { writeKey: 'wk_demo', batch: [track({ messageId: 'after' })] })).status).toBe(200)
  })
})

describe('keys, origins and CORS', () => {
  let db: Db
  let app: ReturnType<typeof testApp>
  useTestDb('sqlite', (d) => ((db = d), (app = testApp(d))))

  test('takes the write key as the HTTP Basic user, as Segment’s server-side clients send it', async () => {
    const res = await post(app, '/v1/batch', { batch: [track({ messageId: 'b' })] }, { headers: { Authorization: basic('wk_demo'), 'Content-Type': 'application/json' } })
    expect(res.status).toBe(200)
    expect(await storedIds(db)).toEqual(['b'])
  })

  test('keeps previous write keys valid during a rotation', async () => {
    expect((await post(app, '/v1/batch', { writeKey: 'wk_demo_old', batch: [track({ messageId: 'old' })] })).status).toBe(200)
    expect(await storedIds(db, 'demo')).toEqual(['old'])
  })

  test('a project’s key writes to its project only', async () => {
    await post(app, '/v1/batch', { writeKey: 'wk_other', batch: [track({ messageId: 'x' })] })
    expect(await storedIds(db, 'demo')).toEqual([])
    expect(await storedIds(db, 'other')).toEqual(['x'])
  })

  test('a write key can never read', async () => {
    const res = await app.request('/v1/quarantine', { headers: { Authorization: 'Bearer wk_demo' } })
    expect(res.status).toBe(403)
    expect((await res.json()).error.code).toBe('write_key')
  })

  test('every response carries the CORS headers, errors included', async () => {
    const ok = await post(app, '/v1/batch', { writeKey: 'wk_demo', batch: [track()] }, { headers: { Origin: 'http://app.test' } })
    const rejected = await post(app, '/v1/batch', { writeKey: 'wk_nope', batch: [track()] }, { headers: { Origin: 'http://app.test' } })
    const limitedApp = testApp(db, { rateLimit: { perSecond: 1, burst: 1 } }) // the clock stands still: no refill
    await post(limitedApp, '/v1/batch', { writeKey: 'wk_demo', batch: [track()] })
    const limited = await limitedApp.request('/v1/batch', {
      method: 'POST',
      body: JSON.stringify({ writeKey: 'wk_demo', batch: [track(), track()] }),
      headers: { 'Content-Type': 'text/plain', Origin: 'http://app.test' },
    })
    const fromApp = (path: string, body: string) => app.request(path, { method: 'POST', body, headers: { 'Content-Type': 'text/plain', Origin: 'http://app.test' } })
    const partly = await fromApp('/v1/batch', batchOf(track(), track({ messageId: undefined })))
    const tooLarge = await fromApp('/v1/batch', batchOf(track({ properties: { blob: 'x'.repeat(600_000) } })))
    const noRoute = await fromApp('/v1/nowhere', batchOf(track()))
    expect([ok.status, rejected.status, limited.status, partly.status, tooLarge.status, noRoute.status]).toEqual([200, 401, 429, 400, 413, 404])
    expect((await partly.json()).error.rejected).toHaveLength(1)
    for (const res of [ok, rejected, limited, partly, tooLarge, noRoute]) {
      expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test')
      expect(res.headers.get('vary')).toContain('Origin')
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After')
      expect(res.headers.get('access-control-max-age')).toBe('7200')
      expect(res.headers.get('access-control-allow-credentials')).toBeNull()
    }
    expect(limited.headers.get('retry-after')).toBe('1')
  })

  test('a preflight lists Authorization and Content-Type, for allowed origins only', async () => {
    const allowed = await app.request('/v1/batch', { method: 'OPTIONS', headers: { Origin: 'http://app.test', 'Access-Control-Request-Method': 'POST' } })
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type')
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test')
    const denied = await app.request('/v1/batch', { method: 'OPTIONS', headers: { Origin: 'https://evil.test' } })
    expect(denied.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('rate limits per write key with 429 and Retry-After, storing nothing of the refused batch', async () => {
    const limited = testApp(db, { rateLimit: { perSecond: 10, burst: 3 } })
    const send = (id: string, n: number) =>
      post(limited, '/v1/batch', { writeKey: 'wk_demo', batch: Array.from({ length: n }, (_, i) => track({ messageId: `${id}-${i}` })) })
    expect((await send('a', 3)).status).toBe(200)
    const res = await send('b', 2)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1')
    expect((await res.json()).error.message).toContain('retry in 1 s')
    expect((await storedIds(db)).filter((id) => id.startsWith('b'))).toEqual([])
    expect((await post(limited, '/v1/batch', { writeKey: 'wk_other', batch: [track()] })).status).toBe(200) // another key, another bucket
  })

  test('answers unknown routes with a JSON 404', async () => {
    const res = await app.request('/v2/nothing')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /v2/nothing: see /openapi.json' } })
  })

  test('serves the active surveys to the write key, cacheable with an ETag', async () => {
    const res = await app.request('/v1/surveys?writeKey=wk_demo')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('max-age=60')
    expect((await res.json()).surveys.map((s: { id: string }) => s.id)).toEqual(['nps-main'])
    const again = await app.request('/v1/surveys?writeKey=wk_demo', { headers: { 'If-None-Match': res.headers.get('etag')! } })
    expect(again.status).toBe(304)
    expect((await app.request('/v1/surveys?writeKey=wk_nope')).status).toBe(401)
  })

  test('describes every route in /openapi.json', async () => {
    const spec = await (await app.request('/openapi.json')).json()
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/batch', '/v1/track', '/v1/identify', '/v1/group', '/v1/page', '/v1/surveys', '/healthz']))
    expect(spec.components.schemas.TrackMessage.properties.messageId).toMatchObject({ type: 'string', maxLength: 200 })
  })

  test('reports its health and its database', async () => {
    expect(await (await app.request('/healthz')).json()).toEqual({ ok: true, database: 'sqlite' })
  })
})

describe('the quarantine', () => {
  let app: ReturnType<typeof testApp>
  let db: Db
  useTestDb('sqlite', (d) => (app = testApp((db = d))))

  test('keeps what it can show of every rejected message: too large ones cut, too deep ones named', async () => {
    const big = track({ messageId: 'big', properties: { blob: 'x'.repeat(40_000) } })
    await app.request('/v1/batch', { method: 'POST', body: batchOf(big), headers: { 'Content-Type': 'text/plain' } })
    await app.request('/v1/batch', { method: 'POST', body: `{"writeKey":"wk_demo","batch":[${json(track()).slice(0, -1)},"properties":${nested(1000)}}]}`, headers: { 'Content-Type': 'text/plain' } })
    const res = await app.request('/v1/quarantine', { headers: { Authorization: 'Bearer rk_demo' } })
    expect(res.status).toBe(200)
    const { rejected } = await res.json()
    expect(rejected.map((r: { payload: unknown }) => r.payload)).toEqual(['(too deep to keep)', expect.stringMatching(/^\{"type":"track","messageId":"big".*…$/)])
    expect(rejected[1].payload.length).toBe(32 * 1024 + 1)
  })

  test('keeps only the newest messages of a project past its bound', async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ reason: 'r', payload: JSON.stringify(`m${i}`) }))
    await quarantine(db, 'demo', NOW, items(5), 3)
    await quarantine(db, 'other', NOW, items(2), 3)
    expect((await listQuarantine(db, 'demo')).map((r) => r.payload)).toEqual(['"m4"', '"m3"', '"m2"'])
    expect(await listQuarantine(db, 'other')).toHaveLength(2)
  })

  test('lists as many as limit asks, from 1 to 1000, and says so otherwise', async () => {
    await quarantine(db, 'demo', NOW, [{ reason: 'r', payload: '1' }, { reason: 'r', payload: '2' }])
    const list = (limit: string) => app.request(`/v1/quarantine?limit=${limit}`, { headers: { Authorization: 'Bearer rk_demo' } })
    expect((await (await list('1')).json()).rejected).toHaveLength(1)
    for (const limit of ['-5', '0', '1001', '1.5', 'all']) {
      const res = await list(limit)
      expect(res.status, limit).toBe(400)
      expect((await res.json()).error).toEqual({ code: 'invalid_parameter', path: 'limit', message: `limit: "${limit}" is not a whole number from 1 to 1000` })
    }
  })
})
