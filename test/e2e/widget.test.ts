// The survey widget in real Chromium, as a customer's site gets it: the site is
// its own origin under a strict CSP with report-uri, loads the SDK through the
// built snippet, and the SDK loads the widget chunk from a real collector (over a
// real socket, on a SQLite file) that stores the answers. What axe-core cannot
// check (focus not obscured, no submit on selection, forced colors, focus
// management, motion, layout of the scale) is checked by hand.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { createApp } from '../../collector/app'
import { parseConfig } from '../../collector/config'
import { openDb, type Db } from '../../collector/db/index'
import { launch } from './chromium.mjs'
import { recordViolations, snippetPage, until, writeKey } from './helpers'
import { requireDist, snippet } from './receiver'
import { createSite, type Site } from './site'

const require = createRequire(import.meta.url)
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
const artifacts = new URL('./artifacts/', import.meta.url).pathname
const READ_KEY = 'rk_widget_e2e'
const KINDS = ['nps', 'csat', 'ces'] as const

/** Shown by showSurvey() only (the event is never tracked), and again after an answer (recontact at once). */
const byCall = { event: 'Never Tracked', recontactDays: 0 }
const surveys = [
  ...KINDS.flatMap((type) => [
    { id: type, type, followUp: true, targeting: byCall },
    { id: `${type}-center`, type, followUp: true, targeting: byCall, display: { position: 'center' } },
  ]),
  { id: 'inline', type: 'csat', targeting: { url: { exact: '/inline.html' } }, display: { position: 'inline', target: '#survey-slot' } },
  { id: 'exported', type: 'nps', followUp: true, targeting: { event: 'Report Exported' } },
]

/** What the issue calls hostile: a reset of everything, hidden buttons, and a huge root font size. */
const HOSTILE = '* { all: unset }\nbutton { display: none !important }\nhtml { font-size: 100px }\n'
/** The site's own styles (inline styles are blocked by its CSP): a button at the bottom right, under the popover. */
const SITE_CSS = '#under { position: fixed; right: 40px; bottom: 40px; width: 120px; height: 40px }\n'

let site: Site
let dir: string
let db: Db
let server: ServerType
let collector: string
let browser: { context: BrowserContext; remove: () => void }
const pages: Page[] = []

beforeAll(async () => {
  requireDist()
  site = await createSite()
  dir = mkdtempSync(join(tmpdir(), 'northstar-widget-'))
  db = await openDb({ file: join(dir, 'northstar.db') })
  const config = parseConfig({ projects: [{ id: 'widget', name: 'Widget e2e', writeKey, readKey: READ_KEY, allowedOrigins: [site.origin], surveys }] })
  server = serve({ fetch: createApp({ db, config }).fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  collector = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  site.setCsp(
    `default-src 'self'; script-src 'self' ${collector} '${snippet().hash}'; connect-src 'self' ${collector}; style-src 'self'; img-src 'self'; report-uri /csp-report`,
  )
  site.serve('/hostile.css', HOSTILE)
  site.serve('/site.css', SITE_CSS)
  mkdirSync(artifacts, { recursive: true })
  browser = await launch()
  await recordViolations(browser.context)
})

afterEach(async () => {
  for (const page of pages.splice(0)) await page.close()
})

afterAll(async () => {
  await browser?.context.close()
  browser?.remove()
  await new Promise((resolve) => server?.close(resolve))
  await db?.close()
  await site?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface PageSpec {
  /** init() options besides writeKey and host, e.g. { surveys: { locale: 'ar' } }; without them the snippet inits from data-write-key. */
  init?: Record<string, unknown>
  body?: string
  /** Stylesheets of the site. */
  css?: string[]
  /** Scripts of the site, run after the snippet. */
  scripts?: string[]
}

/**
 * Serves a page of the site at `path` that loads the SDK through the built snippet. The CSP allows
 * no inline script but the snippet (by its hash), so the init() call goes into a file of the site.
 */
function sitePage(path: string, { init, body = '', css = [], scripts = [] }: PageSpec = {}) {
  let html = snippetPage({ host: collector, init, body: body + scripts.map((src) => `<script src="${src}"></script>`).join('') })
  if (init) {
    const call = `northstar.init(${JSON.stringify({ writeKey, host: collector, ...init })})`
    if (!html.includes(`<script>${call}</script>`)) throw new Error('snippetPage no longer writes init() as expected')
    html = html.replace(`<script>${call}</script>`, `<script src="${path}.init.js"></script>`)
    site.serve(`${path}.init.js`, call)
  }
  const links = css.map((href) => `<link rel="stylesheet" href="${href}">`).join('')
  site.serve(path, html.replace('<html>', '<html lang="en">').replace('</head>', `${links}</head>`))
}

/** A fresh tab on `path`, with this site's storage cleared first (no survey seen, no quiet period running). */
async function open(path: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.context.newPage()
  pages.push(page)
  const cdp = await browser.context.newCDPSession(page)
  await cdp.send('Storage.clearDataForOrigin', { origin: site.origin, storageTypes: 'local_storage,indexeddb' })
  await cdp.detach()
  if (viewport) await page.setViewportSize(viewport)
  await page.goto(`${site.origin}${path}`)
  return page
}

/** Calls `northstar[verb](...args)` in the page and resolves with its result (flush's promise included). */
const call = (page: Page, verb: string, ...args: unknown[]) =>
  page.evaluate(([verb, args]) => (window as unknown as { northstar: Record<string, (...a: unknown[]) => unknown> }).northstar[verb as string]!(...(args as unknown[])), [verb, args] as const)

const radios = (page: Page) => page.locator('northstar-survey [role=radio]')

/** Shows survey `id` and waits until its scale is on screen. */
async function show(page: Page, id: string) {
  await call(page, 'showSurvey', id)
  await radios(page).first().waitFor()
}

/** The boxes of the scale's radios, in DOM order (which is the score order). */
const radioBoxes = (page: Page) =>
  radios(page).evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect()
      return { score: Number(el.textContent), x: r.x, y: r.y, width: r.width, height: r.height, visible: el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) }
    }),
  )

/** Resolves once the widget's animations (its entrance) have finished. */
const settled = (page: Page) =>
  page.evaluate(async () => {
    await Promise.all((document.querySelector('northstar-survey')?.shadowRoot?.getAnimations() ?? []).map((a) => a.finished))
  })

/** In the widget's shadow root: the focused element's role or tag, and its text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const host = document.querySelector('northstar-survey')
    const el = document.activeElement == host ? host!.shadowRoot!.activeElement : null
    return el ? { role: el.getAttribute('role') ?? el.tagName.toLowerCase(), text: el.textContent ?? '', inDialog: !!el.closest('dialog') } : null
  })

/** The collector's stored events of `userId`, by event name, with their properties. */
async function storedEvents(userId: string) {
  const rows = await db.kysely.selectFrom('events').select(['event', 'message']).where('project_id', '=', 'widget').where('user_id', '=', userId).orderBy('seq').execute()
  return rows.map((r) => ({ event: r.event, properties: JSON.parse(r.message).properties as Record<string, unknown> }))
}

test('appears at the bottom right, 360 px wide, with 24 px radios and a 16 px font, in a page whose global CSS is hostile', async () => {
  sitePage('/hostile.html', { css: ['/hostile.css'] })
  const page = await open('/hostile.html')
  // The hostile sheet does apply to the page itself.
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize)).toBe('100px')
  await show(page, 'nps')

  const viewport = page.viewportSize()!
  const host = (await page.locator('northstar-survey').boundingBox())!
  expect(host.width).toBeCloseTo(360, 0)
  expect(host.x + host.width).toBeCloseTo(viewport.width - 16, 0)
  expect(host.y + host.height).toBeCloseTo(viewport.height - 16, 0)
  expect(host.x).toBeGreaterThanOrEqual(0)
  expect(host.y).toBeGreaterThanOrEqual(0)

  const boxes = await radioBoxes(page)
  expect(boxes.map((b) => b.score)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  for (const box of boxes) {
    expect(box.visible, `radio ${box.score} is visible`).toBe(true)
    expect(box.width, `radio ${box.score} width`).toBeGreaterThanOrEqual(24)
    expect(box.height, `radio ${box.score} height`).toBeGreaterThanOrEqual(24)
  }
  // `button { display: none !important }` stops at the shadow root: the widget's buttons are all there.
  expect(await page.locator('northstar-survey .primary').isVisible()).toBe(true)
  expect(await page.locator('northstar-survey .close').isVisible()).toBe(true)
  const fonts = await page.evaluate(() => {
    const shadow = document.querySelector('northstar-survey')!.shadowRoot!
    return [shadow.querySelector('.root')!, shadow.querySelector('p')!, shadow.querySelector('[role=radio]')!].map((el) => getComputedStyle(el).fontSize)
  })
  expect(fonts).toEqual(['16px', '16px', '16px'])
  console.log(`widget ${host.width}x${host.height} px at (${host.x}, ${host.y}) in ${viewport.width}x${viewport.height}; radios ${boxes[0]!.width}x${boxes[0]!.height} px`)
  await page.screenshot({ path: join(artifacts, 'widget-hostile.png') })

  // The center modal, in the top layer, is as immune.
  await page.locator('northstar-survey .close').click()
  await page.locator('northstar-survey').waitFor({ state: 'detached' })
  await show(page, 'csat-center')
  await settled(page)
  const dialog = (await page.locator('northstar-survey dialog').boundingBox())!
  expect(dialog.width).toBeCloseTo(440, 0)
  expect(dialog.x + dialog.width / 2).toBeCloseTo(viewport.width / 2, 0)
  expect(dialog.y + dialog.height / 2).toBeCloseTo(viewport.height / 2, 0)
  for (const box of await radioBoxes(page)) expect(box.visible && Math.min(box.width, box.height) >= 24, `center radio ${box.score}: ${box.width}x${box.height}`).toBe(true)
  expect(await page.locator('northstar-survey dialog').evaluate((el) => getComputedStyle(el).fontSize)).toBe('16px')
  await page.screenshot({ path: join(artifacts, 'widget-hostile-center.png') })
})

test('runs under the strict CSP with no violation reported, and requests the widget chunk only once a survey is due', async () => {
  // The script-tag build as a customer pastes it: the snippet alone, initialised from data-write-key.
  sitePage('/csp.html', { body: '<main><p>Reports</p></main>' })
  const widgetRequests: string[] = []
  const page = await browser.context.newPage()
  pages.push(page)
  const cdp = await browser.context.newCDPSession(page)
  await cdp.send('Storage.clearDataForOrigin', { origin: site.origin, storageTypes: 'local_storage,indexeddb' })
  // A cached chunk would not be asked for again: every request must reach the network to be seen.
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  page.on('request', (r) => r.url().includes('northstar-widget') && widgetRequests.push(r.url()))
  const surveysFetched = page.waitForResponse((r) => r.url().startsWith(`${collector}/v1/surveys`))
  await page.goto(`${site.origin}/csp.html`)
  await surveysFetched
  await page.waitForLoadState('networkidle')
  expect(widgetRequests, 'the widget chunk before any survey is due').toEqual([])
  expect(await page.locator('northstar-survey').count()).toBe(0)

  await call(page, 'track', 'Report Exported')
  await radios(page).first().waitFor()
  expect(widgetRequests).toEqual([`${collector}/northstar-widget.js`])
  // Styled by the adopted sheet, which `style-src 'self'` allows.
  expect(await page.locator('northstar-survey').evaluate((el) => getComputedStyle(el).position)).toBe('fixed')
  // Answer, so that the widget's whole life ran under the policy.
  await radios(page).nth(9).click()
  await page.locator('northstar-survey .primary').click()
  await page.locator('northstar-survey textarea').fill('Fine')
  await page.locator('northstar-survey .primary').click()
  await page.locator('northstar-survey [role=status] p').waitFor()
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])

  // Reports are sent asynchronously: a control page that violates the policy on purpose (an image
  // from the collector, which img-src 'self' blocks) proves they arrive; by then the widget's would have.
  sitePage('/control.html', { body: `<img alt="" src="${collector}/healthz">` })
  const control = await open('/control.html')
  await until(() => site.reportsOf('/control.html').length > 0, 'the control page’s violation report')
  expect(await control.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([`img-src ${collector}/healthz`])
  expect(site.reportsOf('/csp.html')).toEqual([])
})

test('shows an inline survey inside its display.target when the page URL matches its targeting', async () => {
  sitePage('/inline.html', { body: '<main><h2>Your report</h2><div id="survey-slot"></div></main>' })
  const page = await open('/inline.html')
  await radios(page).first().waitFor()
  expect(await page.locator('#survey-slot > northstar-survey').count()).toBe(1)
  expect(await page.locator('northstar-survey').evaluate((el) => getComputedStyle(el).position)).toBe('relative')
  expect(await radios(page).count()).toBe(5)
})

/** Every violation axe-core finds in the page (shadow roots included), named by rule and target. */
async function axe(page: Page): Promise<string[]> {
  // The entrance fades in from opacity 0: contrast is measured on the settled widget, not mid-fade.
  await settled(page)
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags } })
    return results.violations.map((v) => `${v.id} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`)
  }, AXE_TAGS)
  return violations
}

for (const dir of ['ltr', 'rtl'] as const) {
  test(`axe-core reports no violation for any kind, step, position and colour scheme (${dir.toUpperCase()})`, { timeout: 300_000 }, async () => {
    const path = `/axe-${dir}.html`
    sitePage(path, { init: { surveys: { locale: dir == 'rtl' ? 'ar' : 'en' } }, body: '<main><p>The app</p></main>' })
    const page = await open(path)
    // A strict CSP blocks an injected <script>: evaluate the library's source instead.
    await page.evaluate(axeSource)
    const found: string[] = []
    let runs = 0
    const check = async (where: string) => {
      runs++
      for (const v of await axe(page)) found.push(`${where}: ${v}`)
    }
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      for (const kind of KINDS)
        for (const id of [kind, `${kind}-center`]) {
          const where = `${id} ${colorScheme} ${dir}`
          await show(page, id)
          expect(await page.locator('northstar-survey .root').getAttribute('dir')).toBe(dir)
          expect(await page.locator('northstar-survey .root').evaluate((el) => getComputedStyle(el).backgroundColor), `${where} background`).toBe(
            colorScheme == 'dark' ? 'rgb(31, 41, 55)' : 'rgb(255, 255, 255)',
          )
          await check(`${where} score`)
          await radios(page).last().click()
          await page.locator('northstar-survey [role=radio][aria-checked=true]').waitFor()
          await check(`${where} score chosen`)
          await page.locator('northstar-survey .primary').click()
          await page.locator('northstar-survey textarea').waitFor()
          await check(`${where} follow-up`)
          await page.locator('northstar-survey .primary').click()
          await page.locator('northstar-survey [role=status] p').waitFor()
          await check(`${where} thank-you`)
          await page.locator('northstar-survey .close').click()
          await page.locator('northstar-survey').waitFor({ state: 'detached' })
        }
    }
    expect(runs).toBe(2 * 6 * 4)
    expect(found, `axe-core violations:\n${found.join('\n')}`).toEqual([])
  })
}

test('keeps a focused page control visible: the popover moves aside from a button it covers', async () => {
  sitePage('/under.html', { css: ['/site.css'], body: '<button id="under" type="button">Save</button>' })
  const page = await open('/under.html')
  await show(page, 'nps')
  const button = (await page.locator('#under').boundingBox())!
  const before = (await page.locator('northstar-survey').boundingBox())!
  // The popover does cover the button entirely at first.
  expect(button.x).toBeGreaterThanOrEqual(before.x)
  expect(button.y).toBeGreaterThanOrEqual(before.y)
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('under')
  const topmost = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.id, { x: button.x + button.width / 2, y: button.y + button.height / 2 })
  expect(topmost, 'the element at the focused button’s centre').toBe('under')
  // Moved aside, still on screen: not hidden away.
  const after = (await page.locator('northstar-survey').boundingBox())!
  expect(after.x).toBeCloseTo(16, 0)
  expect(await radios(page).first().isVisible()).toBe(true)
})

test('keeps a focused page control visible when the popover appears over it', async () => {
  // The popover never takes focus, so it may well appear over the control that has it.
  sitePage('/under-first.html', { css: ['/site.css'], body: '<button id="under" type="button">Save</button>' })
  const page = await open('/under-first.html')
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('under')
  await show(page, 'nps')
  const button = (await page.locator('#under').boundingBox())!
  const topmost = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.id, { x: button.x + button.width / 2, y: button.y + button.height / 2 })
  expect(topmost, 'the element at the focused button’s centre').toBe('under')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('under')
})

test('keeps a focused page control visible when focus scrolls it into view under the popover', async () => {
  // A long page: Tab scrolls the button into view at the bottom right, where the popover is.
  site.serve('/long.css', '.spacer { height: 2000px } .end { display: flex; justify-content: flex-end; padding: 0 24px 24px 0 }\n')
  sitePage('/long.html', { css: ['/long.css'], body: '<div class="spacer"></div><div class="end"><button id="below" type="button">Load more</button></div>' })
  const page = await open('/long.html')
  await show(page, 'nps')
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('below')
  await page.evaluate(() => new Promise(requestAnimationFrame))
  const button = (await page.locator('#below').boundingBox())!
  expect(button.y + button.height, 'the button scrolled into view').toBeLessThanOrEqual(page.viewportSize()!.height)
  const topmost = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.id, { x: button.x + button.width / 2, y: button.y + button.height / 2 })
  expect(topmost, 'the element at the focused button’s centre').toBe('below')
})

test('keeps a focused page control visible at a 320 px viewport, where the popover spans the width', async () => {
  // Moving to the other side cannot uncover it there: the popover must go elsewhere.
  sitePage('/under-narrow.html', { css: ['/site.css'], body: '<button id="under" type="button">Save</button>' })
  const page = await open('/under-narrow.html', { width: 320, height: 640 })
  await show(page, 'nps')
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('under')
  const button = (await page.locator('#under').boundingBox())!
  const topmost = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.id, { x: button.x + button.width / 2, y: button.y + button.height / 2 })
  expect(topmost, 'the element at the focused button’s centre').toBe('under')
  const host = (await page.locator('northstar-survey').boundingBox())!
  expect(host.y, 'the popover, still inside the viewport').toBeGreaterThanOrEqual(0)
  expect(host.y + host.height).toBeLessThanOrEqual(640)
})

test('sends no answer when a score is chosen, by click or by Space, until Submit or Next is pressed', async () => {
  sitePage('/choose.html')
  const page = await open('/choose.html')
  const user = 'chooser'
  await call(page, 'identify', user)
  await show(page, 'nps')
  await radios(page).nth(7).click()
  expect(await radios(page).nth(7).getAttribute('aria-checked')).toBe('true')
  // Arrow keys move focus only; Space chooses.
  await page.keyboard.press('ArrowLeft')
  await page.keyboard.press('ArrowLeft')
  expect(await focused(page)).toMatchObject({ role: 'radio', text: '5' })
  await page.keyboard.press('Space')
  expect(await radios(page).nth(5).getAttribute('aria-checked')).toBe('true')
  expect(await radios(page).nth(7).getAttribute('aria-checked')).toBe('false')
  await call(page, 'flush')
  await until(async () => (await storedEvents(user)).some((e) => e.event == '$survey_shown'), '$survey_shown at the collector')
  // The widget still asks: the score step, with its Next button, and nothing answered.
  expect(await page.locator('northstar-survey .primary').textContent()).toBe('Next')
  expect(await page.locator('northstar-survey textarea').count()).toBe(0)
  expect((await storedEvents(user)).filter((e) => e.event == '$survey_response')).toEqual([])
})

test('keeps the selected score distinguishable and the focus outline visible in forced colors', async () => {
  sitePage('/forced.html')
  const page = await open('/forced.html')
  await page.emulateMedia({ forcedColors: 'active' })
  await show(page, 'csat')
  await radios(page).nth(3).click()
  await page.keyboard.press('ArrowLeft') // keyboard focus on 3: :focus-visible
  const styles = await page.evaluate(() => {
    const shadow = document.querySelector('northstar-survey')!.shadowRoot!
    const probe = document.createElement('div')
    probe.style.setProperty('forced-color-adjust', 'none')
    probe.style.backgroundColor = 'Highlight'
    probe.style.color = 'HighlightText'
    document.body.append(probe)
    const system = { highlight: getComputedStyle(probe).backgroundColor, highlightText: getComputedStyle(probe).color }
    probe.remove()
    const radios = [...shadow.querySelectorAll('[role=radio]')].map((el) => {
      const s = getComputedStyle(el)
      return { checked: el.getAttribute('aria-checked'), background: s.backgroundColor, color: s.color, border: s.borderTopWidth, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, focused: shadow.activeElement == el }
    })
    return { system, radios, forced: matchMedia('(forced-colors: active)').matches }
  })
  expect(styles.forced).toBe(true)
  const selected = styles.radios[3]!
  const focusedOne = styles.radios[2]!
  expect(selected).toMatchObject({ checked: 'true', background: styles.system.highlight, color: styles.system.highlightText, border: '3px' })
  for (const other of styles.radios.filter((r) => r.checked != 'true')) {
    expect(other.background).not.toBe(styles.system.highlight)
    expect(other.border).toBe('1px')
  }
  expect(focusedOne.focused).toBe(true)
  expect(focusedOne.outline).toMatch(/^solid 3px /)
  expect(focusedOne.outline).not.toContain(focusedOne.background)
})

test('opens the center survey as a modal <dialog> that takes focus and gives it back to the opener on Escape', async () => {
  site.serve('/opener.js', `document.getElementById('opener').addEventListener('click', () => northstar.showSurvey('nps-center'))`)
  sitePage('/modal.html', { body: '<button id="opener" type="button">Rate us</button>', scripts: ['/opener.js'] })
  const page = await open('/modal.html')
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('opener')
  await page.keyboard.press('Enter')
  await radios(page).first().waitFor()
  const dialog = await page.locator('northstar-survey dialog').evaluate((d: HTMLDialogElement) => ({ open: d.open, modal: d.matches(':modal') }))
  expect(dialog).toEqual({ open: true, modal: true })
  await until(() => focused(page).then((f) => f?.inDialog), 'focus inside the dialog')
  await page.keyboard.press('Escape')
  await page.locator('northstar-survey').waitFor({ state: 'detached' })
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('opener')
})

test('does not take focus when the popover appears', async () => {
  sitePage('/typing.html', { body: '<label>Name <input id="name"></label>' })
  const page = await open('/typing.html')
  await page.locator('#name').click()
  await page.keyboard.type('Ada')
  await show(page, 'ces')
  await settled(page)
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('name')
  await page.keyboard.type(' Lovelace')
  expect(await page.locator('#name').inputValue()).toBe('Ada Lovelace')
})

test('gives focus back to where it was when a keyboard user closes the popover', async () => {
  sitePage('/return.html', { body: '<label>Name <input id="name"></label>' })
  const page = await open('/return.html')
  await page.locator('#name').focus()
  await show(page, 'csat')
  await settled(page)
  // Tab from the page's last control enters the popover (it is last in the document), at its close button
  await page.keyboard.press('Tab')
  expect(await focused(page)).toMatchObject({ role: 'button' })
  await page.keyboard.press('Enter')
  await page.locator('northstar-survey').waitFor({ state: 'detached' })
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('name')
})

test('plays no animation on its root when the user prefers reduced motion', async () => {
  sitePage('/motion.html')
  const page = await open('/motion.html')
  const animation = () => page.locator('northstar-survey .root').evaluate((el) => getComputedStyle(el).animationName)
  await show(page, 'csat')
  expect(await animation(), 'the animation without a preference').toBe('ns-in')
  await page.locator('northstar-survey .close').click()
  await page.locator('northstar-survey').waitFor({ state: 'detached' })
  await page.emulateMedia({ reducedMotion: 'reduce' })
  await show(page, 'csat')
  expect(await animation()).toBe('none')
  expect(await page.evaluate(() => document.querySelector('northstar-survey')!.shadowRoot!.getAnimations().length)).toBe(0)
})

test('lays the 0-10 scale in one row at a 400 px viewport, and at 320 px in two rows, 0-5 then 6-10, every radio at least 24x24 px', async () => {
  sitePage('/narrow.html')
  const page = await open('/narrow.html', { width: 400, height: 700 })
  await show(page, 'nps')
  const wide = await radioBoxes(page)
  expect(new Set(wide.map((b) => b.y)).size, 'rows at 400 px').toBe(1)
  expect(wide.map((b) => b.x)).toEqual([...wide.map((b) => b.x)].sort((a, b) => a - b))
  for (const b of wide) expect(Math.min(b.width, b.height), `radio ${b.score} at 400 px`).toBeGreaterThanOrEqual(24)
  console.log(`400 px: widget ${(await page.locator('northstar-survey').boundingBox())!.width} px wide, radios ${wide[0]!.width}x${wide[0]!.height} px`)

  await page.setViewportSize({ width: 320, height: 700 })
  await until(async () => new Set((await radioBoxes(page)).map((b) => b.y)).size == 2, 'two rows at 320 px', { timeout: 5000 })
  const narrow = await radioBoxes(page)
  const [first, second] = [narrow.slice(0, 6), narrow.slice(6)]
  expect(new Set(first.map((b) => b.y)).size).toBe(1)
  expect(new Set(second.map((b) => b.y)).size).toBe(1)
  expect(second[0]!.y).toBeGreaterThan(first[0]!.y)
  // Reading order: left to right within each row.
  for (const row of [first, second]) expect(row.map((b) => b.x)).toEqual([...row.map((b) => b.x)].sort((a, b) => a - b))
  for (const b of narrow) expect(Math.min(b.width, b.height), `radio ${b.score} at 320 px`).toBeGreaterThanOrEqual(24)
  const host = (await page.locator('northstar-survey').boundingBox())!
  expect(host.x).toBeGreaterThanOrEqual(0)
  expect(host.x + host.width).toBeLessThanOrEqual(320)
  console.log(`320 px: widget ${host.width} px wide, radios ${narrow[0]!.width}x${narrow[0]!.height} px`)
})

test('reads the scale right to left in Arabic: 0 is right of 10, and at 320 px 0-5 over 6-10, each row right to left', async () => {
  sitePage('/ar.html', { init: { surveys: { locale: 'ar' } } })
  const page = await open('/ar.html', { width: 400, height: 700 })
  await show(page, 'nps')
  const boxes = await radioBoxes(page)
  expect(new Set(boxes.map((b) => b.y)).size).toBe(1)
  expect(boxes.map((b) => b.x)).toEqual([...boxes.map((b) => b.x)].sort((a, b) => b - a))
  expect(boxes[0]!.x).toBeGreaterThan(boxes[10]!.x)

  await page.setViewportSize({ width: 320, height: 700 })
  await until(async () => new Set((await radioBoxes(page)).map((b) => b.y)).size == 2, 'two rows at 320 px', { timeout: 5000 })
  const narrow = await radioBoxes(page)
  for (const row of [narrow.slice(0, 6), narrow.slice(6)]) {
    expect(new Set(row.map((b) => b.y)).size).toBe(1)
    expect(row.map((b) => b.x)).toEqual([...row.map((b) => b.x)].sort((a, b) => b - a))
  }
  expect(narrow[6]!.y).toBeGreaterThan(narrow[0]!.y)
})

test('stores an answer given by keyboard alone, score and comment, at the collector', async () => {
  sitePage('/keyboard.html')
  const page = await open('/keyboard.html')
  const user = 'keyboard-user'
  await call(page, 'identify', user)
  await show(page, 'nps')
  // Into the widget: its close button, then the radio group (one tab stop).
  let presses = 0
  while ((await focused(page))?.role != 'radio' && presses++ < 4) await page.keyboard.press('Tab')
  expect(await focused(page)).toMatchObject({ role: 'radio', text: '0' })
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight')
  expect(await focused(page)).toMatchObject({ role: 'radio', text: '8' })
  await page.keyboard.press('Space')
  await page.keyboard.press('Tab')
  expect(await focused(page)).toMatchObject({ role: 'button', text: 'Next' })
  await page.keyboard.press('Enter')
  // The Next button is gone: focus moves to the follow-up's text box (in an effect, after the render).
  await until(async () => (await focused(page))?.role == 'textarea', 'focus on the follow-up text box', { timeout: 5000 })
  await page.keyboard.type('Faster exports, please')
  await page.keyboard.press('Tab')
  expect(await focused(page)).toMatchObject({ role: 'button', text: 'Submit' })
  await page.keyboard.press('Enter')
  await page.locator('northstar-survey [role=status] p').waitFor()

  const answer = { surveyId: 'nps', type: 'nps', score: 8, comment: 'Faster exports, please' }
  const events = await until(async () => {
    const events = await storedEvents(user)
    return events.some((e) => e.event == '$survey_response') && events
  }, '$survey_response at the collector')
  expect(events.filter((e) => e.event?.startsWith('$survey_'))).toEqual([
    { event: '$survey_shown', properties: { surveyId: 'nps', type: 'nps' } },
    { event: '$survey_response', properties: answer },
  ])
  // And the read API counts it, comment included.
  const res = await fetch(`${collector}/v1/metrics/satisfaction?format=csv`, { headers: { Authorization: `Bearer ${READ_KEY}` } })
  expect(res.status).toBe(200)
  const csv = await res.text()
  expect(csv).toContain('Faster exports, please')
  expect(csv.split('\n').find((line) => line.includes(`u:${user}`))).toMatch(/nps.*8/)
})

test('shows a survey from the ESM build imported by a module page', async () => {
  site.serve('/esm.js', `import { init, showSurvey } from '${collector}/northstar.mjs'\ninit({ writeKey: '${writeKey}', host: '${collector}' })\nshowSurvey('csat')\n`)
  site.serve('/esm.html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ESM</title><script type="module" src="/esm.js"></script></head><body><h1>ESM</h1></body></html>`)
  const requested: string[] = []
  const page = await browser.context.newPage()
  pages.push(page)
  page.on('request', (r) => r.url().startsWith(collector) && requested.push(new URL(r.url()).pathname))
  await page.goto(`${site.origin}/esm.html`)
  await radios(page).first().waitFor()
  expect(await radios(page).count()).toBe(5)
  expect(requested).toContain('/northstar-widget.mjs')
  expect(requested).not.toContain('/northstar-widget.js')
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])
})
