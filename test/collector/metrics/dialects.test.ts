import { afterAll, expect, test } from 'vitest'
import { metrics } from '../../../collector/metrics/index'
import { sql } from 'kysely'
import { openDb } from '../../../collector/db/index'
import { iso, openTestDb, post, postgresUrl, stopPostgres, testApp } from '../harness'
import { answer, DAY, feature, group, HOUR, identify, jan, page, step, track } from './helpers'

afterAll(() => stopPostgres())

/** A bit of everything: links, devices, accounts, traits, steps, features, answers, sessions, engagement. */
function world() {
  const messages: unknown[][] = [[], []]
  for (let i = 0; i < 60; i++) {
    const anon = `dev-${i}`
    const user = i % 4 == 0 ? undefined : `user-${i % 45}`
    const t0 = jan(1 + (i % 28), i % 24)
    const ctx = { context: { sessionId: `s-${i}` } }
    const batch = messages[i % 2]!
    batch.push(page({ anon }, t0, ctx), track({ anon }, t0 + HOUR, '$engagement', { engagedMs: 1000 * i }, ctx))
    if (user) batch.push(identify({ anon, user }, t0 + 2 * HOUR, { plan: i % 3 ? 'pro' : 'free', ...(i % 5 == 0 && { createdAt: '2026-01-02T08:00:00' }) }))
    if (user && i % 6 == 0) batch.push(group({ anon, user }, t0 + 3 * HOUR, `acct-${i % 4}`, { supportTickets: i % 7 }))
    if (i % 2) batch.push(step({ anon }, t0 + 4 * HOUR, 'create_project'))
    if (i % 3) batch.push(track({ anon }, t0 + 5 * HOUR, 'Teammate Invited'), step({ anon }, t0 + DAY, 'connect'))
    if (i % 4 == 1) batch.push(track({ anon }, t0 + 2 * DAY, 'Report Shared'), feature({ anon }, t0 + 2 * DAY, 'export_csv'))
    if (i % 5 == 2) batch.push(track({ anon }, t0 + 3 * DAY, 'API Key Created'))
    if (i % 3 == 0) batch.push(answer({ anon }, t0 + 6 * HOUR, 'nps-main', 'nps', i % 11, 'comment'), answer({ anon }, t0 + 6 * HOUR, 'ces-setup', 'ces', 1 + (i % 7)))
    if (i % 4 == 2) batch.push(answer({ anon }, t0 + 7 * HOUR, 'csat-support', 'csat', 1 + (i % 5)), track({ anon }, t0 + 7 * HOUR, '$survey_shown', { surveyId: 'csat-support' }))
  }
  return messages
}

test('the same data gives identical answers on SQLite and on PostgreSQL', async () => {
  const batches = world()
  const answers: Record<string, unknown>[] = []
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const { db, close } = await openTestDb(dialect)
    try {
      const app = testApp(db)
      for (const batch of batches) expect((await post(app, '/v1/batch', { writeKey: 'wk_saas', batch })).status).toBe(200)
      const results: Record<string, unknown> = {}
      for (const params of <Record<string, string>[]>[{ from: iso(jan(1)), to: iso(jan(32)) }, { from: iso(jan(3, 7)), to: iso(jan(20, 13)), tz: 'America/New_York' }, { from: iso(jan(1)), to: iso(jan(40)), segment: 'plan:pro' }])
        for (const name of Object.keys(metrics)) {
          const res = await app.request(`/v1/metrics/${name}?${new URLSearchParams(params)}`, { headers: { Authorization: 'Bearer rk_saas' } })
          expect(res.status, `${dialect} ${name}`).toBe(200)
          results[`${name} ${JSON.stringify(params)}`] = await res.json()
        }
      answers.push(results)
    } finally {
      await close()
    }
  }
  expect(answers[1]).toEqual(answers[0])
  // and the data set is not trivially empty
  expect(answers[0]!['ttv {"from":"2026-01-01T00:00:00.000Z","to":"2026-02-01T00:00:00.000Z"}']).toMatchObject({ cohort: expect.any(Number), activated: expect.any(Number) })
  expect((answers[0]!['satisfaction {"from":"2026-01-01T00:00:00.000Z","to":"2026-02-01T00:00:00.000Z"}'] as any).nps.n).toBeGreaterThan(5)
})

test('on a PostgreSQL database whose collation ignores punctuation, a survey that is not configured is still found by its keys', async () => {
  const { db: admin, close } = await openTestDb('postgres')
  try {
    await sql`drop database if exists northstar_icu`.execute(admin.kysely)
    await sql`create database northstar_icu template template0 locale_provider icu icu_locale 'en-US'`.execute(admin.kysely)
  } finally {
    await close()
  }
  const url = new URL(await postgresUrl())
  url.pathname = '/northstar_icu'
  const db = await openDb({ url: url.href })
  try {
    // what the test is about: in this collation, the survey stages' keys sort after 'v;'
    expect((await sql<{ after: boolean }>`select 'v:$survey_shown:beta' > 'v;' as after`.execute(db.kysely)).rows[0]!.after).toBe(true)
    const app = testApp(db)
    const batch = [track({ anon: 'x' }, jan(2), '$survey_shown', { surveyId: 'beta', type: 'nps' }), answer({ anon: 'x' }, jan(2, 1), 'beta', 'nps', 9)]
    expect((await post(app, '/v1/batch', { writeKey: 'wk_saas', batch })).status).toBe(200)
    const res = await app.request(`/v1/metrics/surveys?${new URLSearchParams({ from: iso(jan(1)), to: iso(jan(32)) })}`, { headers: { Authorization: 'Bearer rk_saas' } })
    expect(((await res.json()) as { surveys: unknown[] }).surveys).toContainEqual({ surveyId: 'beta', type: 'nps', shown: 1, dismissed: 0, responded: 1, responseRate: 100 })
  } finally {
    await db.close()
  }
})
