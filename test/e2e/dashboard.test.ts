// The dashboard in real Chromium, on a real collector over a real socket and a
// SQLite file: data goes in through POST /v1/batch, the page is read with the
// read key, and what it shows is checked against what the read API answers,
// under the page's strict CSP.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApp } from '../../collector/app'
import { parseConfig } from '../../collector/config'
import { openDb, type Db } from '../../collector/db/index'
import saas from '../saas-project.json' with { type: 'json' }
import { launch } from './chromium.mjs'
import { recordViolations } from './helpers'

const MIN = 60_000
const DAY = 86_400_000
const PANELS = ['ttv', 'onboarding', 'satisfaction', 'surveys', 'features', 'sessions', 'retention', 'health']
/** What the page shows for a number with at most one decimal, as the dashboard formats it. */
const one = (n: number) => new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(n)

// The metric test suite's 'saas' project, and a bare one with nothing configured.
const config = parseConfig({
  projects: [
    saas,
    { id: 'bare', name: 'Bare', writeKey: 'wk_bare', readKey: 'rk_bare' },
  ],
})

/** Texts that would run or render if the page parsed API strings as HTML. */
const ACCOUNT = '<b>Acme</b> & co'
const SURVEY = '<img src=x onerror="window.pwned=1">'
const PLAN = '<i>pro</i>'

let dir: string
let db: Db
let server: ServerType
let url: string
let browser: { context: BrowserContext; remove: () => void }

let n = 0
const message = (type: string, userId: string, t: number, fields: Record<string, unknown> = {}) => ({ type, messageId: `dash-${++n}`, userId, timestamp: new Date(t).toISOString(), ...fields })
const track = (userId: string, t: number, event: string, properties: Record<string, unknown> = {}, sessionId?: string) =>
  message('track', userId, t, { event, properties, ...(sessionId && { context: { sessionId } }) })

/**
 * Ten people who signed up 20 days ago: u0-u4 on plan pro in account ACCOUNT, u5-u9 on their own.
 * Three reach value 2, 4 and 6 days after signup; NPS answers 9 10 9 10 9 7 8 7 0 6 (NPS 30).
 */
function dataset(now: number) {
  const ago = (days: number) => now - days * DAY
  const signup = ago(20)
  const batch: unknown[] = []
  const NPS = [9, 10, 9, 10, 9, 7, 8, 7, 0, 6]
  for (let i = 0; i < 10; i++) {
    const u = `u${i}`
    const s1 = `${u}-s1`
    batch.push(
      message('identify', u, signup, { traits: { createdAt: new Date(signup).toISOString(), plan: i < 5 ? 'pro' : 'free', ...(i == 9 && { supportTickets: 6 }) }, context: { sessionId: s1 } }),
      message('page', u, signup + 20 * MIN, { context: { sessionId: s1 } }),
      track(u, signup + 20 * MIN, '$engagement', { engagedMs: 90_000 }, s1),
      track(u, ago(3), '$survey_shown', { surveyId: 'nps-main' }),
      track(u, ago(3) + MIN, '$survey_response', { surveyId: 'nps-main', type: 'nps', score: NPS[i] }),
    )
    if (i < 5) batch.push(message('group', u, signup, { groupId: ACCOUNT, traits: { name: 'Acme', paymentsCurrent: false } }))
    if (i < 8) batch.push(track(u, signup + 60 * MIN, '$step', { step: 'create_project' }))
    if (i < 5) batch.push(track(u, ago(19), 'Teammate Invited'))
    if (i < 3) batch.push(track(u, ago(18), '$step', { step: 'connect' }), track(u, signup + (2 + 2 * i) * DAY, 'Report Shared'))
    if (i == 8) batch.push(track(u, ago(18), '$step', { step: 'connect' })) // out of order: completed, not in the funnel
    if (i < 6) batch.push(track(u, ago(10), '$feature', { feature: 'export_csv' }))
    if (i < 2) batch.push(track(u, ago(9), 'API Key Created'))
    if (i < 4) batch.push(message('page', u, ago(5), { context: { sessionId: `${u}-s2` } }), message('page', u, ago(5) + 40 * MIN, { context: { sessionId: `${u}-s2` } }))
    if (i < 4) batch.push(track(u, ago(2), '$survey_response', { surveyId: 'csat-support', type: 'csat', score: [5, 4, 3, 5][i] }))
  }
  batch.push(track('u9', ago(2), '$survey_shown', { surveyId: SURVEY }), track('u9', ago(2), '$survey_dismissed', { surveyId: SURVEY }))
  // someone whose trait value is markup, so a segment can carry it
  batch.push(message('identify', 'x', ago(1), { traits: { plan: PLAN, createdAt: '2019-06-01' } }))
  return batch
}

async function send(writeKey: string, batch: unknown[]) {
  const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ writeKey, batch }) })
  if (res.status != 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'northstar-dashboard-'))
  db = await openDb({ file: join(dir, 'northstar.db') })
  server = serve({ fetch: createApp({ db, config }).fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const now = Date.now()
  await send('wk_saas', dataset(now))
  await send('wk_bare', [message('page', 'b1', now - DAY, { context: { sessionId: 'b1-s1' } }), message('page', 'b1', now - DAY + 5 * MIN, { context: { sessionId: 'b1-s1' } })])
  browser = await launch()
  await recordViolations(browser.context)
})

afterAll(async () => {
  await browser?.context.close()
  browser?.remove()
  await new Promise((resolve) => server?.close(resolve))
  await db?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Opened {
  page: Page
  /** The read API requests the page made: URL and Authorization header. */
  requests: { url: string; authorization: string | undefined }[]
  /** Script errors, and console errors other than the failed loads the browser logs for 4xx answers. */
  errors: string[]
}

/** A fresh tab (so a fresh sessionStorage) on the dashboard, in New York time. */
async function open(): Promise<Opened> {
  const page = await browser.context.newPage()
  const cdp = await browser.context.newCDPSession(page)
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'America/New_York' })
  const opened: Opened = { page, requests: [], errors: [] }
  page.on('request', (r) => r.url().includes('/v1/') && opened.requests.push({ url: r.url(), authorization: r.headers().authorization }))
  page.on('pageerror', (e) => opened.errors.push(e.message))
  page.on('console', (m) => m.type() == 'error' && !m.text().startsWith('Failed to load resource') && opened.errors.push(m.text()))
  const res = await page.goto(url)
  expect(res!.headers()['content-security-policy']).toContain("script-src 'self'")
  return opened
}

/** Waits until every panel has its answer (none loading). */
const settled = (page: Page) => page.waitForFunction((count) => document.querySelectorAll('.panel[aria-busy="false"]').length == count, PANELS.length)

/** Enters the key and waits for every panel. */
async function enter(page: Page, key: string) {
  await page.getByLabel('The project’s read key').fill(key)
  await page.getByRole('button', { name: 'Show the figures' }).click()
  await settled(page)
}

const figure = (page: Page, panel: string, key: string) => page.locator(`#${panel} [data-figure="${key}"] .value`).textContent()
const note = (page: Page, panel: string, key: string) => page.locator(`#${panel} [data-figure="${key}"] .note`).textContent()

/** The rows of the panel's table with that caption, as cell texts. */
const rows = (page: Page, panel: string, caption: string) =>
  page.locator(`#${panel} table:has(caption:text-is("${caption}")) tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent!.trim())))

/** What the read API answers for the page's latest request of the metric, asked again from here with the key. */
async function api(opened: Opened, metric: string, key = 'rk_saas') {
  const request = opened.requests.filter((r) => new URL(r.url).pathname == `/v1/metrics/${metric}`).at(-1)!
  const res = await fetch(request.url, { headers: { Authorization: `Bearer ${key}` } })
  expect(res.status).toBe(200)
  return res.json()
}

async function expectClean({ page, errors }: Opened) {
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])
  expect(errors).toEqual([])
}

test('a wrong key, or a write key, shows a clear message and no figures', async () => {
  const opened = await open()
  const { page } = opened
  expect(await page.locator('#panels').isHidden()).toBe(true)
  for (const [key, says] of [
    ['rk_nope', 'This key was refused: Unknown read key: check it against northstar.config.json'],
    ['wk_saas', 'This key was refused: That is a write key, which can never read: use the project’s read key'],
  ] as const) {
    await page.getByLabel('The project’s read key').fill(key)
    await page.getByRole('button', { name: 'Show the figures' }).click()
    await page.locator('#key-message', { hasText: says }).waitFor()
    expect(await page.locator('#key-message').getAttribute('role')).toBe('alert')
    expect(await page.locator('#key').getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('#panels').isHidden()).toBe(true)
    expect(await page.locator('#filters').isHidden()).toBe(true)
    expect(await page.evaluate(() => sessionStorage.getItem('northstar.readKey'))).toBe(null)
  }
  await expectClean(opened)
  await page.close()
})

test('shows the figures the read API answers, formatted for people, under the strict CSP', async () => {
  const opened = await open()
  const { page } = opened
  await enter(page, 'rk_saas')

  // Time to value: activated after 2, 4 and 6 days; seven not (yet), so no Kaplan-Meier median.
  const ttv = await api(opened, 'ttv')
  expect(ttv).toMatchObject({ cohort: 10, activated: 3, median: 4 * DAY, p25: 3 * DAY, p75: 5 * DAY, kaplanMeierMedian: null })
  expect(await figure(page, 'ttv', 'median')).toBe('4.0 d')
  expect(await figure(page, 'ttv', 'p25')).toBe('3.0 d')
  expect(await figure(page, 'ttv', 'p75')).toBe('5.0 d')
  expect(await figure(page, 'ttv', 'p90')).toBe(`${(ttv.p90 / DAY).toFixed(1)} d`)
  expect(await figure(page, 'ttv', 'activationRate')).toBe('30.0%')
  expect(await note(page, 'ttv', 'activationRate')).toBe('3 of 10 signups')
  expect(await figure(page, 'ttv', 'kaplanMeierMedian')).toBe('–')
  expect(await rows(page, 'ttv', 'Activated people per band')).toEqual([
    ['Excellent (under 7 d)', '3'],
    ['Good (7 to 14 d)', '0'],
    ['Needs improvement (14 to 30 d)', '0'],
    ['Critical (30 d or more)', '0'],
  ])
  // identify at signup is the first action
  expect(ttv.timeToFirstAction).toMatchObject({ acted: 10, median: 0, withinTarget: 10 })
  expect(await figure(page, 'ttv', 'firstAction.median')).toBe('0 s')

  // Onboarding: 8 create a project, 5 of them invite, 3 of those connect.
  const onboarding = await api(opened, 'onboarding')
  expect(onboarding.steps.map((s: { funnel: number }) => s.funnel)).toEqual([8, 5, 3])
  expect(await figure(page, 'onboarding', 'completionRate')).toBe('30.0%')
  expect(await figure(page, 'onboarding', 'engagementScore')).toBe(one(onboarding.engagementScore))
  expect(await figure(page, 'onboarding', 'medianTimeToComplete')).toBe(`${(onboarding.medianTimeToComplete / DAY).toFixed(1)} d`)
  expect(await rows(page, 'onboarding', 'Ordered funnel: the steps done in order')).toEqual([
    ['1. Create a project', '8 · 80.0% of signups'],
    ['2. Invite a teammate', '5 · 62.5% of the step before62.5% of step 1, median 23 h after the step before'],
    ['3. Connect an integration', `3 · 60.0% of the step before37.5% of step 1, median 1.0 d after the step before`],
  ])
  expect(await rows(page, 'onboarding', 'Completed per step, in any order')).toEqual([
    ['Create a project', '8'],
    ['Invite a teammate', '5'],
    ['Connect an integration', '4'],
  ])

  // Satisfaction: 5 promoters, 3 passives, 2 detractors of 10 make an NPS of 30.
  const { nps, csat, ces } = await api(opened, 'satisfaction')
  expect(nps).toMatchObject({ n: 10, nps: 30, promoters: 5, passives: 3, detractors: 2, band: 'good', lowSample: true })
  expect(await figure(page, 'satisfaction', 'nps')).toBe('30')
  expect(await note(page, 'satisfaction', 'nps')).toBe('good')
  expect(await figure(page, 'satisfaction', 'nps.ci95')).toBe(`${one(nps.ci95.low)} to ${one(nps.ci95.high)}`)
  expect(await figure(page, 'satisfaction', 'nps.promoters')).toBe('5')
  expect(await figure(page, 'satisfaction', 'nps.passives')).toBe('3')
  expect(await figure(page, 'satisfaction', 'nps.detractors')).toBe('2')
  expect(await page.locator('#satisfaction h3', { hasText: 'NPS' }).locator('.badge').textContent()).toBe('Low sample (under 30 answers)')
  expect(await rows(page, 'satisfaction', 'NPS answers per score')).toEqual([['Answers', '1', '0', '0', '0', '0', '0', '1', '2', '1', '3', '2']])
  expect(csat).toMatchObject({ n: 4, csat: 75 })
  expect(await figure(page, 'satisfaction', 'csat')).toBe('75.0%')
  expect(await figure(page, 'satisfaction', 'csat.mean')).toBe('4.25')
  expect(ces).toMatchObject({ n: 0, ces: null, easyRate: null })
  expect(await figure(page, 'satisfaction', 'ces')).toBe('–')
  expect(await figure(page, 'satisfaction', 'ces.easyRate')).toBe('–')

  // Survey funnel, the unconfigured survey with a markup id included, as text.
  expect(await rows(page, 'surveys', 'Per survey')).toEqual([
    ['nps-main', 'NPS', '10', '0', '10', '100.0%'],
    ['csat-support', 'CSAT', '0', '0', '4', '–'], // answered without a $survey_shown: no rate
    ['ces-setup', 'CES', '0', '0', '0', '–'],
    [SURVEY, '–', '1', '1', '0', '0.0%'],
  ])

  // Feature adoption: 6 and 2 of 11 active people (the one with a markup plan included).
  const features = await api(opened, 'features')
  expect(features.active).toBe(11)
  expect(await rows(page, 'features', 'Adoption rate per feature')).toEqual([
    ['CSV export', `${features.features[0].adoptionRate.toFixed(1)}%6 people`],
    ['API access', `${features.features[1].adoptionRate.toFixed(1)}%2 people`],
  ])
  expect(await figure(page, 'features', 'breadth')).toBe(`${features.breadth.toFixed(1)}%`)

  // Sessions: ten of 20 minutes and four of 40, 90 s of engaged time each for ten people.
  const sessions = await api(opened, 'sessions')
  expect(sessions).toMatchObject({ sessions: 14, avgSessionLength: (360 / 14) * MIN, engagedTime: 15 * MIN })
  expect(await figure(page, 'sessions', 'sessions')).toBe('14')
  expect(await figure(page, 'sessions', 'avgSessionLength')).toBe('26 min')
  expect(await figure(page, 'sessions', 'engagedTime')).toBe('15 min')
  expect(await figure(page, 'sessions', 'sessionsPerUserPerWeek')).toBe(one(sessions.sessionsPerUserPerWeek))
  expect(await figure(page, 'sessions', 'dau')).toBe(one(sessions.dau))
  expect(await figure(page, 'sessions', 'wau')).toBe(String(sessions.wau))
  expect(await figure(page, 'sessions', 'mau')).toBe(String(sessions.mau))
  expect(await figure(page, 'sessions', 'stickiness')).toBe(`${sessions.stickiness.toFixed(1)}%`)

  // Retention: one cohort; the weeks that have not begun are blank, not 0%.
  const retention = await api(opened, 'retention')
  const heat = await rows(page, 'retention', 'Active share per week after signup')
  expect(heat).toHaveLength(retention.cohorts.length)
  expect(heat[0]!.slice(2)).toEqual(retention.cohorts[0].retention.map((v: number | null) => (v == null ? '' : `${v.toFixed(1)}%`)))
  expect(heat[0]!.slice(2)).toContain('')

  // Health: the account with a markup name and five people, worst first, as text.
  const health = await api(opened, 'health')
  const worst = await rows(page, 'health', `The ${health.worst.length} lowest scores`)
  expect(worst.map((r) => r[0])).toEqual(health.worst.map((s: { kind: string; subject: string }) => (s.kind == 'account' ? s.subject : s.subject.replace(/^u:/, ''))))
  expect(worst.map((r) => r[0])).toContain(ACCOUNT)
  expect(worst.map((r) => r[2])).toEqual(health.worst.map((s: { score: number }) => one(s.score)))
  expect(await rows(page, 'health', 'Per band')).toEqual([
    ['Healthy (80 or more)', String(health.bands.healthy)],
    ['Neutral (60 to 80)', String(health.bands.neutral)],
    ['At risk (40 to 60)', String(health.bands.atRisk)],
    ['Critical (under 40)', String(health.bands.critical)],
  ])

  // No API text became markup.
  expect(await page.locator('main img, main b, main i').count()).toBe(0)
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined()

  // The key went in the header, never in a URL; the zone is the browser's.
  expect(opened.requests).toHaveLength(PANELS.length)
  for (const r of opened.requests) {
    expect(r.url).not.toContain('rk_saas')
    expect(r.authorization).toBe('Bearer rk_saas')
    expect(new URL(r.url).searchParams.get('tz')).toBe('America/New_York')
  }
  expect(page.url()).toBe(`${url}/`)

  mkdirSync(new URL('artifacts/', import.meta.url), { recursive: true })
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.screenshot({ path: new URL('artifacts/dashboard.png', import.meta.url).pathname, fullPage: true })

  // After a reload the key is still there for this tab, and the figures come back.
  await page.reload()
  await settled(page)
  expect(await figure(page, 'satisfaction', 'nps')).toBe('30')
  await expectClean(opened)
  await page.close()
})

test('segments, custom dates and the time zone go to the API, and the figures follow', async () => {
  const opened = await open()
  const { page } = opened
  await enter(page, 'rk_saas')

  // plan:pro keeps u0-u4: all promoters, and 3 of 5 activated.
  await page.getByLabel('Segment (trait:value)').fill('plan:pro')
  await page.getByLabel('Segment (trait:value)').press('Enter')
  await settled(page)
  expect(await figure(page, 'satisfaction', 'nps')).toBe('100')
  expect(await figure(page, 'ttv', 'activationRate')).toBe('60.0%')
  expect((await api(opened, 'satisfaction')).nps.nps).toBe(100)
  expect(new URL(opened.requests.at(-1)!.url).searchParams.getAll('segment')).toEqual(['plan:pro'])

  // A second segment ANDs; a value with markup stays text in its chip and in the request.
  await page.getByLabel('Segment (trait:value)').fill(`plan:${PLAN}`)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await settled(page)
  expect(await page.locator('#segments li span').allTextContents()).toEqual(['plan:pro', `plan:${PLAN}`])
  expect(await page.locator('#segments i').count()).toBe(0)
  expect(new URL(opened.requests.at(-1)!.url).searchParams.getAll('segment')).toEqual(['plan:pro', `plan:${PLAN}`])
  expect(await figure(page, 'satisfaction', 'nps')).toBe('–')
  await page.getByRole('button', { name: 'Remove segment plan:pro' }).click()
  await settled(page)
  await page.getByRole('button', { name: `Remove segment plan:${PLAN}` }).click()
  await settled(page)
  expect(await figure(page, 'satisfaction', 'nps')).toBe('30')

  // Not trait:value: said at the field, nothing asked.
  const asked = opened.requests.length
  await page.getByLabel('Segment (trait:value)').fill('pro')
  await page.getByLabel('Segment (trait:value)').press('Enter')
  expect(await page.locator('#filter-message').textContent()).toBe('Write a segment as trait:value, e.g. plan:pro.')
  expect(opened.requests).toHaveLength(asked)

  // The last 7 days: signups of 20 days ago fall out.
  await page.getByLabel('Window').selectOption('7')
  await settled(page)
  const last7 = new URL(opened.requests.at(-1)!.url).searchParams
  expect(Number(last7.get('to')) - Number(last7.get('from'))).toBe(7 * DAY)
  expect(await figure(page, 'ttv', 'median')).toBe('–')
  expect(await figure(page, 'satisfaction', 'nps')).toBe('30')

  // Custom days are whole local days of the zone, the last included.
  await page.getByLabel('Window').selectOption('custom')
  await page.getByLabel('From (first day)').fill('2020-01-01')
  await page.getByLabel('To (last day, included)').fill('2020-01-31')
  await page.getByRole('button', { name: 'Apply' }).click()
  await settled(page)
  let params = new URL(opened.requests.at(-1)!.url).searchParams
  expect([Number(params.get('from')), Number(params.get('to'))]).toEqual([Date.UTC(2020, 0, 1, 5), Date.UTC(2020, 1, 1, 5)]) // EST is UTC-5
  expect(await page.locator('#retention .empty').textContent()).toBe('No signups in this window.')
  expect(await figure(page, 'satisfaction', 'nps')).toBe('–')

  await page.getByLabel('Time zone (days and weeks)').fill('UTC')
  await page.getByRole('button', { name: 'Apply' }).click()
  await settled(page)
  params = new URL(opened.requests.at(-1)!.url).searchParams
  expect([Number(params.get('from')), Number(params.get('to')), params.get('tz')]).toEqual([Date.UTC(2020, 0, 1), Date.UTC(2020, 1, 1), 'UTC'])

  await page.getByLabel('Time zone (days and weeks)').fill('Mars/Olympus_Mons')
  await page.getByRole('button', { name: 'Apply' }).click()
  expect(await page.locator('#filter-message').textContent()).toBe('Unknown time zone "Mars/Olympus_Mons": pick one from the list, e.g. Europe/Berlin or UTC.')
  expect(await page.locator('#tz').getAttribute('aria-invalid')).toBe('true')

  for (const r of opened.requests) expect(r.url).not.toContain('rk_saas')
  await expectClean(opened)
  await page.close()
})

test('a panel downloads its CSV with the key in the header', async () => {
  const opened = await open()
  const { page } = opened
  await enter(page, 'rk_saas')
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV of satisfaction' }).click()])
  expect(download.suggestedFilename()).toMatch(/^northstar-saas-satisfaction-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/)
  const csv = readFileSync((await download.path())!, 'utf8')
  const request = opened.requests.at(-1)!
  expect(new URL(request.url).searchParams.get('format')).toBe('csv')
  expect(request.authorization).toBe('Bearer rk_saas')
  expect(csv).toBe(await (await fetch(request.url, { headers: { Authorization: 'Bearer rk_saas' } })).text())
  expect(csv.trim().split('\r\n')).toHaveLength(1 + 10 + 4) // header, ten NPS and four CSAT answers
  await expectClean(opened)
  await page.close()
})

test('a panel whose metric is not configured says what to add, and the others still show', async () => {
  const opened = await open()
  const { page } = opened
  await enter(page, 'rk_bare')
  expect(await page.locator('#ttv .status.error').textContent()).toBe(
    'Not configured. Project "bare" has no activation.valueEvent in northstar.config.json: add it to measure ttv',
  )
  expect(await page.locator('#ttv .body').textContent()).toBe('')
  expect(await page.locator('#onboarding .empty').textContent()).toBe('No onboarding steps: list them under onboarding.steps in northstar.config.json.')
  expect(await figure(page, 'sessions', 'sessions')).toBe('1')
  expect(await figure(page, 'sessions', 'avgSessionLength')).toBe('5 min')
  await page.getByRole('button', { name: 'Forget the key' }).click()
  expect(await page.locator('#panels').isHidden()).toBe(true)
  expect(await page.locator('#sessions .body').textContent()).toBe('') // no figures left behind for the next reader
  expect(await page.evaluate(() => sessionStorage.getItem('northstar.readKey'))).toBe(null)
  await expectClean(opened)
  await page.close()
})

test('reads at 320 px wide: wide tables scroll in their own region, never the page', async () => {
  const opened = await open()
  const { page } = opened
  await page.setViewportSize({ width: 320, height: 800 })
  await enter(page, 'rk_saas')
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
  // every control has a name, from its label or its text
  const unnamed = await page.locator('input:visible, select:visible, button:visible').evaluateAll((els) =>
    els.filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.textContent!.trim())).map((el) => el.outerHTML),
  )
  expect(unnamed).toEqual([])
  await page.screenshot({ path: new URL('artifacts/dashboard-320.png', import.meta.url).pathname, fullPage: true })
  await expectClean(opened)
  await page.close()
})
