import { describe, expect, test } from 'vitest'
import { cell, toCsv } from '../../../collector/csv'
import type { Tables } from '../../../collector/db/schema'
import { metrics } from '../../../collector/metrics/index'
import { config, iso, NOW, testApp } from '../harness'
import { answer, group, identify, jan, page, useMetrics } from './helpers'

const names = Object.keys(metrics)

describe('the read API', () => {
  const t = useMetrics('sqlite')

  test('every metric route answers with the read key; a write key gets 403, no key 401', async () => {
    for (const name of names) {
      expect((await t.request(name)).status, name).toBe(200)
      expect((await t.request(name, {}, 'wk_saas')).status, name).toBe(403)
      const missing = await t.app.request(`/v1/metrics/${name}`)
      expect(missing.status).toBe(401)
    }
  })

  test.each([
    [{ from: 'yesterday' }, 'from', /not a time: send ISO 8601/],
    [{ to: '2026-02-30' }, 'to', /not a time/],
    [{ from: iso(jan(5)), to: iso(jan(5)) }, 'from', /must be before to/],
    [{ segment: 'plan' }, 'segment', /not trait:value/],
    [{ tz: 'Mars/Olympus_Mons' }, 'tz', /not an IANA time zone/],
    [{ format: 'xml' }, 'format', /format=csv/],
    [{ from: [iso(jan(1)), iso(jan(2))] }, 'from', /more than once/],
    [{ fromm: '1' }, 'fromm', /unknown parameter for \/v1\/metrics\/ttv: it accepts from, to, segment, tz, format, within/],
    [{ within: 'two weeks' }, 'within', /number of days/],
    [{ from: '9000000000000000', to: '1' }, 'from', /not a time from the year 1000 to 9999/], // past what a Date holds
    [{ to: '-9000000000000000' }, 'to', /not a time from the year 1000 to 9999/],
    [{ from: '0001-01-01', tz: 'Europe/Berlin' }, 'from', /not a time from the year 1000 to 9999/], // Intl: 1 BC is "year 1"
    [{ from: '2000-01-01', tz: 'Europe/Berlin' }, 'from', /at most 3653 days \(ten years\)/],
  ])('%j is a 400 naming %s', async (params, path, message) => {
    const res = await t.request('ttv', params as Record<string, string>)
    expect(res.status).toBe(400)
    const { error } = (await res.json()) as { error: { code: string; path: string; message: string } }
    expect(error).toMatchObject({ code: 'invalid_parameter', path })
    expect(error.message).toMatch(message)
  })

  test('within and limit are accepted only where they mean something', async () => {
    expect((await t.request('sessions', { within: 3 })).status).toBe(400)
    const res = await t.request('health', { limit: 0 })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_parameter', path: 'limit', message: 'limit: "0" is not a whole number from 1 to 100000' })
    expect((await t.request('health', { limit: 5 })).status).toBe(200)
  })

  test('an offset in from and to may come with its + unescaped (a query string reads it as a space)', async () => {
    await t.send([identify({ user: 'x' }, jan(1) - 3_600_000)]) // Dec 31, 23:00 UTC: Jan 1, 01:00 at +02:00
    const res = await t.app.request('/v1/metrics/ttv?from=2026-01-01T00:00:00+02:00&to=2026-01-02T00:00+0200', { headers: { Authorization: 'Bearer rk_saas' } })
    expect(await res.json()).toMatchObject({ from: jan(1) - 2 * 3_600_000, to: jan(2) - 2 * 3_600_000, cohort: 1 })
    // a space between date and time is not an offset
    expect(await t.metric('ttv', { from: '2026-01-01 00:00', to: '2026-01-02' })).toMatchObject({ from: jan(1) })
  })

  test('from and to take epoch milliseconds as well as ISO 8601, and default to the 30 days before the query', async () => {
    await t.send([identify({ user: 'x' }, jan(2))])
    const a = await t.metric('ttv', { from: jan(1), to: jan(3) })
    const b = await t.metric('ttv', { from: '2026-01-01', to: '2026-01-03T00:00:00Z' })
    expect(a).toEqual(b)
    expect(a).toMatchObject({ from: jan(1), to: jan(3), cohort: 1 })
    expect(await t.metric('ttv')).toMatchObject({ from: NOW - 30 * 86_400_000, to: NOW })
  })

  test('answers say which project the key reads, and a date alone is midnight in tz', async () => {
    const r = await t.metric('sessions', { from: '2026-01-01', to: '2026-01-02', tz: 'Asia/Tokyo' })
    expect(r).toMatchObject({ project: { id: 'saas', name: 'Metrics SaaS' }, from: jan(1) - 9 * 3_600_000, to: jan(2) - 9 * 3_600_000, tz: 'Asia/Tokyo' })
  })

  test('a metric that needs a config key the project lacks says which', async () => {
    const app = testApp(t.db)
    const res = await app.request('/v1/metrics/ttv', { headers: { Authorization: 'Bearer rk_demo' } })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: { code: 'not_configured', path: 'activation.valueEvent', message: 'Project "demo" has no activation.valueEvent in northstar.config.json: add it to measure ttv' },
    })
  })

  test('every metric over no data answers nulls and zeros, never NaN', async () => {
    const project = config.projects.find((p) => p.id == 'saas')!
    for (const name of names) {
      const data = await metrics[name as keyof typeof metrics](t.db, { project, from: jan(1), to: jan(32), segments: [], tz: 'UTC', now: NOW })
      const numbers: number[] = []
      JSON.stringify(data, (_, v) => (typeof v == 'number' && numbers.push(v), v))
      expect(numbers.filter((n) => !Number.isFinite(n)), name).toEqual([])
    }
  })

  describe('CSV', () => {
    test('escapes text that a spreadsheet would run as a formula, not numbers', () => {
      expect(['=1+1', '+cmd', '-2', '@SUM(A1)', '\tx', 'plain', -5, 12.5, null].map(cell)).toEqual(["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", 'plain', '-5', '12.5', ''])
      expect(cell('a,"b"')).toBe('"a,""b"""')
      expect(toCsv([{ a: 1, b: { c: 2 } }, { a: 3, d: 'x' }])).toBe('a,b.c,d\r\n1,2,\r\n3,,x\r\n')
    })

    test('satisfaction as CSV lists the counted answers with their comments, escaped', async () => {
      await t.send([answer({ user: 'ann' }, jan(2), 'nps-main', 'nps', 3, '=HYPERLINK("http://evil")'), answer({ user: 'bob' }, jan(2), 'csat-support', 'csat', 5)])
      const res = await t.request('satisfaction', { from: iso(jan(1)), to: iso(jan(32)), format: 'csv' })
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="northstar-saas-satisfaction-2026-01-01-2026-02-01.csv"')
      expect(await res.text()).toBe(
        ['person,surveyId,type,score,comment,time', `u:ann,nps-main,nps,3,"'=HYPERLINK(""http://evil"")",${jan(2)}`, `u:bob,csat-support,csat,5,,${jan(2)}`, ''].join('\r\n'),
      )
    })

    test('health as CSV has a row per subject; trait-made ids are escaped', async () => {
      await t.send([page({ user: 'm' }, jan(20)), group({ user: 'm' }, jan(20), '@evil'), page({ user: 'p' }, jan(21))])
      const text = await (await t.request('health', { to: iso(jan(31)), format: 'csv' })).text()
      const [header, ...rows] = text.trim().split('\r\n')
      expect(header).toBe(
        'subject,kind,persons,score,band,components.usage,components.engagement,components.support,components.payments,activeDays,featuresUsed,weights.usage,weights.engagement,weights.support,weights.payments,subjects,bands.healthy,bands.neutral,bands.atRisk,bands.critical',
      )
      expect(rows.map((r) => r.split(',')[0])).toEqual(["'@evil", 'u:p'])
      // every subject unless limit says otherwise
      await t.send(Array.from({ length: 120 }, (_, i) => page({ user: `many-${i}` }, jan(22))))
      expect((await (await t.request('health', { to: iso(jan(31)), format: 'csv' })).text()).trim().split('\r\n')).toHaveLength(123)
      expect((await t.metric('health', { to: iso(jan(31)) })).worst).toHaveLength(100)
    })

    test('every route answers CSV: a header, its rows, and no NaN, undefined or [object Object]', async () => {
      await t.send([identify({ user: 'a' }, jan(2)), page({ user: 'a' }, jan(3)), answer({ user: 'a' }, jan(3), 'nps-main', 'nps', 9)])
      for (const name of names) {
        const res = await t.request(name, { from: iso(jan(1)), to: iso(jan(32)), format: 'csv' })
        expect(res.status, name).toBe(200)
        expect(res.headers.get('content-type'), name).toBe('text/csv; charset=utf-8')
        const [header, ...rows] = (await res.text()).trim().split('\r\n')
        expect(header!.split(',').length, name).toBeGreaterThan(1)
        expect(rows.length, name).toBeGreaterThan(0)
        expect(rows.every((row) => row.split(',').length == header!.split(',').length), name).toBe(true)
        expect(rows.join('\n'), name).not.toMatch(/NaN|undefined|\[object Object\]/)
      }
    })

    test('retention as CSV has a column per week', async () => {
      await t.send([identify({ user: 'a' }, jan(5))])
      const text = await (await t.request('retention', { from: iso(jan(5)), to: iso(jan(12)), format: 'csv' })).text()
      expect(text.split('\r\n')[0]).toBe(`week,start,size,${Array.from({ length: 13 }, (_, w) => `retention.${w}`).join(',')}`)
    })
  })

  test('/openapi.json lists every metric route with its parameters', async () => {
    const spec = (await (await t.app.request('/openapi.json')).json()) as { paths: Record<string, { get: { parameters: { name: string }[] } }> }
    for (const name of names) expect(spec.paths[`/v1/metrics/${name}`]!.get.parameters.map((p) => p.name), name).toEqual(expect.arrayContaining(['from', 'to', 'segment', 'tz', 'format']))
    expect(spec.paths['/v1/metrics/ttv']!.get.parameters.map((p) => p.name)).toContain('within')
    expect(spec.paths['/v1/metrics/health']!.get.parameters.map((p) => p.name)).toContain('limit')
  })
})

describe('the metrics migration', () => {
  test("fills the activity of events stored before it, with its person, engaged time and the survey stages; the persons of sessions and firsts, and first actions", async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { Kysely, Migrator, SqliteDialect } = await import('kysely')
    const { default: SQLite } = await import('better-sqlite3')
    const { migrations } = await import('../../../collector/db/migrations')
    const dir = mkdtempSync(join(tmpdir(), 'northstar-migrate-'))
    try {
      const db = { kysely: new Kysely<Tables>({ dialect: new SqliteDialect({ database: new SQLite(join(dir, 'n.db')) }) }) }
      const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations('sqlite') } })
      expect((await migrator.migrateTo('2026-11-22-001-ingest')).error).toBeUndefined()
      const event = (id: string, event: string, t: number, properties: object) => ({
        project_id: 'saas', message_id: id, seq: t, type: 'track', event, actor: 'a:x', user_id: null, group_id: null, session_id: null,
        event_time: t, received_at: t, original_time: null, message: JSON.stringify({ event, properties }),
      })
      await db.kysely
        .insertInto('events')
        .values([
          event('1', '$step', jan(1, 2), { step: 'connect' }),
          event('2', 'Report Shared', jan(1, 5), {}),
          event('3', '$feature', jan(2, 1), { feature: 'export_csv' }),
          event('4', '$survey_shown', jan(2, 3), { surveyId: 'nps-main' }),
          event('5', '$engagement', jan(2, 4), { engagedMs: 1234 }),
        ])
        .execute()
      await db.kysely.insertInto('actors' as any).values({ project_id: 'saas', actor: 'a:x', first_time: jan(1, 2), last_time: jan(2, 4), user_id: 'x', link_time: jan(1, 2), link_seq: 1 }).execute()
      await db.kysely.insertInto('sessions' as any).values({ project_id: 'saas', session_id: 's', actor: 'a:x', start_time: jan(1, 2), end_time: jan(1, 5) }).execute()
      const first = (key: string, time: number) => ({ project_id: 'saas', actor: 'a:x', key, time })
      await db.kysely.insertInto('firsts' as any).values([first('t:page', jan(1, 1)), first('e:$engagement', jan(1, 1)), first('e:$survey_shown', jan(1, 1)), first('e:Report Shared', jan(1, 5)), first('t:identify', jan(1, 7))]).execute()
      await migrator.migrateToLatest()
      const rows = await db.kysely.selectFrom('activity').select(['key', 'day', 'pid', 'first_time', 'last_time', 'engaged_ms']).orderBy('key').orderBy('day').execute()
      const day = (t: number) => Math.floor(t / 86_400_000)
      // the rows name the person of the actor's link by its number
      const { pid } = await db.kysely.selectFrom('persons').select('pid').where('person', '=', 'u:x').executeTakeFirstOrThrow()
      const row = (key: string, first_time: number, last_time: number, engaged_ms = 0) => ({ key, day: day(first_time), pid, first_time, last_time, engaged_ms })
      expect(rows).toEqual([
        row('', jan(1, 2), jan(1, 5)),
        row('', jan(2, 1), jan(2, 4), 1234),
        row('e:$engagement', jan(2, 4), jan(2, 4), 1234),
        row('e:$feature', jan(2, 1), jan(2, 1)),
        row('e:$step', jan(1, 2), jan(1, 2)),
        row('e:$survey_shown', jan(2, 3), jan(2, 3)),
        row('e:Report Shared', jan(1, 5), jan(1, 5)),
        row('f:export_csv', jan(2, 1), jan(2, 1)),
        row('s:connect', jan(1, 2), jan(1, 2)),
        row('v:$survey_shown:nps-main', jan(2, 3), jan(2, 3)),
      ])
      expect(await db.kysely.selectFrom('sessions').select(['session_id', 'pid']).execute()).toEqual([{ session_id: 's', pid }])
      // the first action: the first of any key but page views, engagement and survey events
      expect(await db.kysely.selectFrom('firsts').select(['key', 'pid', 'time']).where('key', 'in', ['action', 't:page']).orderBy('key').execute()).toEqual([
        { key: 'action', pid, time: jan(1, 5) },
        { key: 't:page', pid, time: jan(1, 1) },
      ])
      await db.kysely.destroy()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
