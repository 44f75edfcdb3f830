// The copy-paste snippet, as built (dist/snippet.min.js), in real Chromium: its
// stub records calls until dist/northstar.js has loaded and replays them in
// order, and it runs under a strict CSP that allows it by its published hash.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { BrowserContext } from 'playwright-core'
import { launch } from './chromium.mjs'
import { recordViolations, snippetPage, until, writeKey } from './helpers'
import { createReceiver, requireDist, snippet, type Message, type Receiver } from './receiver'

let receiver: Receiver
let browser: { context: BrowserContext; remove: () => void }

beforeAll(async () => {
  requireDist()
  receiver = await createReceiver()
  browser = await launch()
  await recordViolations(browser.context)
})

afterAll(async () => {
  await browser?.context.close()
  browser?.remove()
  await receiver?.close()
})

/** What a message is, for comparing sequences: the event name, or the type and name. */
const label = (m: Message) => (m.type == 'track' ? m.event! : m.type == 'page' ? `page:${m.name ?? '(auto)'}` : m.type)

test('replays the calls made on the stub before northstar.js loads, in call order', async () => {
  const calls = `
    northstar.identify('user-42', { plan: 'pro' })
    northstar.track('A', { i: 1 })
    northstar.step('create_project')
    northstar.feature('export_csv')
    northstar.track('B', { i: 2 })
    northstar.group('acme', { seats: 5 })
    northstar.page('Pricing')
    northstar.track('C', { i: 3 })
    northstar.flush()`
  receiver.serve('/stub.html', snippetPage({ host: receiver.origin, body: `<script>${calls}</script>` }))
  const release = receiver.hold('/northstar.js')
  const page = await browser.context.newPage()
  // The async bundle holds the load event back, so wait for the DOM only.
  await page.goto(`${receiver.origin}/stub.html`, { waitUntil: 'domcontentloaded' })
  // The stub has recorded init (from data-write-key) and the nine calls; nothing has been sent.
  expect(await page.evaluate(() => (window as unknown as { northstar: { q: [string][] } }).northstar.q.map(([verb]) => verb))).toEqual([
    'init', 'identify', 'track', 'step', 'feature', 'track', 'group', 'page', 'track', 'flush',
  ])
  expect(receiver.requests).toEqual([])

  release()
  const expected = ['page:(auto)', 'identify', 'A', '$step', '$feature', 'B', 'group', 'page:Pricing', 'C']
  await until(() => receiver.stored.size >= expected.length, 'the replayed messages at the receiver')
  // The bundle has replaced the stub.
  expect(await page.evaluate(() => 'q' in (window as unknown as { northstar: object }).northstar)).toBe(false)

  // UUIDv7 ids sort by creation: sorted by id, the messages follow the calls, and so do their timestamps.
  const messages = [...receiver.stored.values()].sort((a, b) => (a.messageId < b.messageId ? -1 : 1))
  expect(messages.map(label)).toEqual(expected)
  const times = messages.map((m) => Date.parse(m.timestamp!))
  expect(times).toEqual([...times].sort((a, b) => a - b))
  // identify applied to every call after it, and only to those.
  expect(messages.map((m) => m.userId ?? null)).toEqual([null, ...Array(expected.length - 1).fill('user-42')])
  expect(messages.find((m) => m.type == 'group')).toMatchObject({ groupId: 'acme', traits: { seats: 5 } })
  expect(receiver.requests.every((r) => r.body?.writeKey == writeKey)).toBe(true)
  await page.close()
})

test('keeps replaying past a misused call on the stub, and hands the page the real SDK', async () => {
  // A misuse made before the bundle loaded (an empty event name) must not cost the page its
  // other calls, nor the SDK itself: it is reported, and its neighbours go on. Misuse is
  // reported by the development build (the production one trusts its callers, as Preact does).
  const receiver = await createReceiver()
  try {
    await misuse(receiver)
  } finally {
    await receiver.close()
  }
})

async function misuse(receiver: Receiver) {
  receiver.serve('/northstar.js', readFileSync(new URL('../../dist/northstar.dev.js', import.meta.url), 'utf8'), {}, 'text/javascript')
  const calls = `northstar.track('Before misuse'); northstar.track(''); northstar.track('After misuse'); northstar.flush()`
  receiver.serve('/misuse.html', snippetPage({ host: receiver.origin, body: `<script>${calls}</script>` }))
  const page = await browser.context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => message.type() == 'error' && errors.push(message.text()))
  await page.goto(`${receiver.origin}/misuse.html`)
  // The bundle reports the misuse as it replays it (so by then it has run), naming the call.
  await until(() => errors.length > 0, 'the misuse to be reported', { timeout: 15_000 })
  expect(errors.join('\n')).toMatch(/northstar\.track/)

  // The bundle took over the global: calls made now go to the SDK, not into a dead stub's queue.
  const stub = await page.evaluate(() => 'q' in (window as unknown as { northstar: object }).northstar)
  expect(stub, 'window.northstar is still the stub after northstar.js ran').toBe(false)
  await page.evaluate(() => {
    const northstar = (window as unknown as { northstar: { track(event: string): void; flush(): void } }).northstar
    northstar.track('After load')
    northstar.flush()
  })
  await until(
    () => ['Before misuse', 'After misuse', 'After load'].every((event) => receiver.events(event).length == 1),
    'the well-formed calls around the misuse, and the one after load, at the receiver',
    { timeout: 15_000 },
  )
  await page.close()
}

test('runs under a strict CSP that allows the snippet by its sha256, with no violation reported', async () => {
  const { code, hash } = snippet()
  const csp = (path: string) =>
    `default-src 'none'; script-src 'self' '${hash}'; connect-src ${receiver.origin}; report-uri ${receiver.origin}/csp-report?page=${path}`
  // No inline script but the snippet: the page's own calls come from a file of the site.
  receiver.serve('/app.js', `northstar.identify('csp-user'); northstar.track('Under CSP', { strict: true }); northstar.flush()`, {}, 'text/javascript')
  receiver.serve('/strict.html', snippetPage({ host: receiver.origin, body: '<script src="/app.js"></script>' }), { 'Content-Security-Policy': csp('strict') })
  // The control: the same page with the snippet changed by one byte, so its hash no longer matches.
  receiver.serve('/tampered.html', snippetPage({ host: receiver.origin }).replace(code, `${code} `), { 'Content-Security-Policy': csp('tampered') })

  const page = await browser.context.newPage()
  await page.goto(`${receiver.origin}/strict.html`)
  await until(() => receiver.events('Under CSP').length == 1, 'the event tracked under the CSP')
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])

  // The detectors work: the tampered snippet is blocked, seen by the page and reported to report-uri.
  await page.goto(`${receiver.origin}/tampered.html`)
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([expect.stringMatching(/^script-src/)])
  await until(() => receiver.cspReports.length > 0, 'the report of the tampered page')
  // Reports go out as they happen: by now one from the strict page would have arrived too.
  const reported = receiver.cspReports.map((r) => (r as { 'csp-report'?: { 'document-uri'?: string } })['csp-report']?.['document-uri'])
  expect(reported.filter((uri) => !uri?.endsWith('/tampered.html'))).toEqual([])
  await page.close()
})

test('uses no eval or Function constructor in the script-tag bundle', () => {
  // The CSP above has no 'unsafe-eval': an eval on the SDK's paths would have been a violation.
  // This covers the paths that test did not run.
  const bundle = readFileSync(new URL('../../dist/northstar.js', import.meta.url), 'utf8')
  expect(bundle).not.toMatch(/\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*["'`]|set(Timeout|Interval)\s*\(\s*["'`]/)
})
