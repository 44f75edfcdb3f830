// The example app (examples/script-tag) as the README tells a reader to run it:
// its own server (serve.mjs, strict CSP, the built snippet allowed by its hash)
// and a collector with its config, in real Chromium. Each button's survey
// appears, an answer arrives, and the page reports no CSP violation.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApp } from '../../collector/app'
import { parseConfig } from '../../collector/config'
import { openDb, type Db } from '../../collector/db/index'
import { freePort } from '../collector/process-helpers'
import { launch } from './chromium.mjs'
import { recordViolations, until } from './helpers'
import { requireDist } from './receiver'

const example = JSON.parse(readFileSync('examples/script-tag/northstar.config.json', 'utf8'))
let dir: string
let db: Db
let server: ServerType
let site: ChildProcess
let origin: string
let browser: { context: BrowserContext; remove: () => void }

beforeAll(async () => {
  requireDist()
  const port = await freePort()
  origin = `http://localhost:${port}`
  dir = mkdtempSync(join(tmpdir(), 'northstar-example-'))
  db = await openDb({ file: join(dir, 'northstar.db') })
  // the example's config as it ships, but for this test's port
  const config = parseConfig({ projects: example.projects.map((p: object) => ({ ...p, allowedOrigins: [origin] })) })
  server = serve({ fetch: createApp({ db, config }).fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  const collector = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  site = spawn(process.execPath, ['examples/script-tag/serve.mjs'], { env: { ...process.env, PORT: String(port), COLLECTOR: collector }, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve) => site.stdout!.once('data', resolve))
  browser = await launch()
  await recordViolations(browser.context)
})

afterAll(async () => {
  await browser?.context.close()
  browser?.remove()
  site?.kill()
  await new Promise((resolve) => server?.close(resolve))
  await db?.close()
  rmSync(dir, { recursive: true, force: true })
})

test('shows each survey of the example after its button, and stores the answers, under its strict CSP', async () => {
  const page = await browser.context.newPage()
  await page.goto(origin)
  const question = () => page.locator('northstar-survey p').first()
  await page.click('#login')

  await page.click('#create') // the CES survey, as a modal, a second later
  await expect.poll(() => question().textContent(), { timeout: 20_000 }).toBe('Acme Reports made it easy to set up my first project.')
  expect(await page.locator('northstar-survey dialog').evaluate((d) => d.matches(':modal'))).toBe(true)
  await page.keyboard.press('Escape')
  await page.locator('northstar-survey').waitFor({ state: 'detached' })

  await page.click('#share') // the value event: NPS after 2 s
  await expect.poll(() => question().textContent(), { timeout: 20_000 }).toBe('How likely are you to recommend Acme Reports to a friend or colleague?')
  await page.locator('northstar-survey [role=radio]').nth(3).click()
  await page.locator('northstar-survey button.primary').click() // Next: a detractor's follow-up
  await page.locator('northstar-survey textarea').fill('Reports load slowly')
  await page.locator('northstar-survey button.primary').click()
  await page.locator('northstar-survey [role=status] p').waitFor()
  await page.locator('northstar-survey .close').click()

  await page.click('#export') // CSAT after the export event
  await expect.poll(() => question().textContent(), { timeout: 20_000 }).toBe('How satisfied are you with CSV export?')

  const surveyEvents = () => db.kysely.selectFrom('events').select(['event', 'message']).where('project_id', '=', 'example').where('event', 'like', '$survey_%').orderBy('seq').execute()
  await until(async () => (await surveyEvents()).length >= 5, 'the survey events at the collector')
  const rows = await surveyEvents()
  expect(rows.map((r) => [r.event, JSON.parse(r.message).properties.surveyId])).toEqual([
    ['$survey_shown', 'ces-setup'],
    ['$survey_dismissed', 'ces-setup'],
    ['$survey_shown', 'nps-after-activation'],
    ['$survey_response', 'nps-after-activation'],
    ['$survey_shown', 'csat-export'],
  ])
  expect(JSON.parse(rows[3]!.message).properties).toEqual({ surveyId: 'nps-after-activation', type: 'nps', score: 3, comment: 'Reports load slowly' })
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])
})
