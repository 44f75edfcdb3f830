// The SDK's promise, end to end in real Chromium: never lose an event. A page
// tracks 1,000 events while the collector fails 30% of requests at random and
// goes away for 10 s; the page navigates away mid-flush, the tab is closed, the
// browser is closed and reopened on the same profile, and the site opened again.
// Duplicates are allowed (the collector drops them by messageId); losses and
// re-sends under a new id are not. The real collector, on a real SQLite file,
// stores what gets through, and its database is checked at the end.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApp } from '../../collector/app'
import { parseConfig } from '../../collector/config'
import { openDb, type Db } from '../../collector/db/index'
import { launch } from './chromium.mjs'
import { idbQueue, plainPage, range, snippetPage, sortedN, track, until, writeKey } from './helpers'
import type { Message } from '../../sdk/wire'
import { createReceiver, requireDist, type Receiver } from './receiver'

const TOTAL = 1000

let receiver: Receiver
let db: Db
const profiles: Array<() => void> = []
const closing: Array<() => Promise<void>> = []

beforeAll(async () => {
  requireDist()
  // The real collector, on a real SQLite file, behind a faulty network.
  const dir = mkdtempSync(join(tmpdir(), 'northstar-e2e-'))
  db = await openDb({ file: join(dir, 'northstar.db') })
  closing.push(async () => (await db.close(), rmSync(dir, { recursive: true, force: true })))
  const config = parseConfig({ projects: [{ id: 'e2e', name: 'E2E', writeKey, readKey: 'rk_e2e' }] })
  const collector = createApp({ db, config, rateLimit: { perSecond: 0, burst: 0 } })
  // Answers take up to 300 ms, so that a navigation can land while a batch is in flight.
  receiver = await createReceiver({ failureRate: 0.3, latency: [20, 300], collector })
  // Short timers through public init options only; retries keep the SDK's own backoff.
  const init = { flushAt: 20, flushInterval: 250 }
  receiver.serve('/app.html', snippetPage({ host: receiver.origin, title: 'App', init }))
  receiver.serve('/next.html', snippetPage({ host: receiver.origin, title: 'Next page', init }))
})

afterAll(async () => {
  for (const close of closing) await close()
  await receiver?.close()
  for (const remove of profiles) remove()
})

test('delivers every event exactly once after dedup through 30% failures, a 10 s outage, a navigation and a closed tab', async () => {
  let browser = await launch()
  profiles.push(browser.remove)
  closing.push(() => browser.context.close()) // whichever browser is open, if the test stops early

  // 1. A page tracks under random failures, then navigates away while a batch is in flight.
  const page = await browser.context.newPage()
  await page.goto(`${receiver.origin}/app.html`)
  await track(page, 'Chaos', 0, 280, { pause: 50 })
  // The last 20 at once: flushAt sends them as a batch right away, so one is in flight now
  // (waiting for one after the rest could wait forever on a queue that had already drained).
  await track(page, 'Chaos', 280, 300, { burst: 20 })
  await until(() => receiver.inFlight > 0, 'a batch in flight to navigate away from', { every: 5 })
  await page.goto(`${receiver.origin}/next.html`)

  // 2. The next page tracks on; the collector goes away for 10 s; the tab is closed during the outage.
  await track(page, 'Chaos', 300, 600, { pause: 50 })
  receiver.outage(10_000)
  await track(page, 'Chaos', 600, 800, { pause: 50 })
  await page.close()

  // 3. Another tab tracks the rest, and the whole browser is closed with sends still failing.
  const last = await browser.context.newPage()
  await last.goto(`${receiver.origin}/app.html`)
  await track(last, 'Chaos', 800, TOTAL, { pause: 50 })
  await browser.context.close()

  // 4. Once the collector is back, the same profile is reopened and the site visited again: the
  // queue left in IndexedDB drains (through the same 30% failures).
  await until(() => !receiver.isDown, 'the end of the outage', { timeout: 15_000 })
  browser = await launch({ dir: browser.dir })
  const again = await browser.context.newPage()
  await again.goto(`${receiver.origin}/app.html`)
  await until(() => new Set(receiver.events('Chaos').map((m) => m.properties?.n)).size >= TOTAL, `all ${TOTAL} Chaos events at the receiver`, {
    timeout: 90_000,
  })
  // and the SDK forgets what the collector confirmed: the IndexedDB queue drains to nothing.
  await until(async () => (await idbQueue(again)).length == 0, 'an empty IndexedDB queue', { timeout: 30_000 })
  await browser.context.close()

  const chaos = receiver.events('Chaos')
  const sent = receiver.requests.flatMap((r) => r.messages)
  const outcomes: Record<string, number> = {}
  for (const r of receiver.requests) outcomes[r.outcome ?? 'unanswered'] = (outcomes[r.outcome ?? 'unanswered'] ?? 0) + 1
  console.log(
    `delivery: ${receiver.requests.length} batch requests ${JSON.stringify(outcomes)}; ${receiver.arrivals} messages arrived and stored counting copies, ` +
      `${receiver.stored.size} distinct (${chaos.length} Chaos), ${receiver.duplicates} duplicates`,
  )

  // Every messageId that was ever sent (even in a failed request) was eventually stored.
  const missing = [...new Set(sent.map((m) => m.messageId))].filter((id) => !receiver.stored.has(id))
  expect(missing).toEqual([])
  // After dedup by messageId: exactly the 1,000 tracked events, n = 0..999 once each.
  expect(sortedN(chaos)).toEqual(range(0, TOTAL))
  // An event was never re-sent under a new id: each n travelled under one messageId, in every request.
  const ids = new Map<unknown, Set<string>>()
  for (const m of sent) if (m.event == 'Chaos') ids.set(m.properties?.n, (ids.get(m.properties?.n) ?? new Set()).add(m.messageId))
  expect([...ids].filter(([, set]) => set.size > 1)).toEqual([])

  // And in the real collector's database: each of the 1,000 events stored exactly once.
  const rows = await db.kysely.selectFrom('events').select(['message_id', 'message']).where('event', '=', 'Chaos').execute()
  expect(rows.length).toBe(TOTAL)
  expect(new Set(rows.map((r) => r.message_id)).size).toBe(TOTAL)
  expect(sortedN(rows.map((r) => JSON.parse(r.message)))).toEqual(range(0, TOTAL))
  // Each with the context of the page that tracked it: sent once per batch, applied to each message by the collector.
  const misplaced = rows
    .map((r) => JSON.parse(r.message) as Message)
    .filter((m) => m.context?.page?.title != ((m.properties?.n as number) >= 300 && (m.properties?.n as number) < 800 ? 'Next page' : 'App') || !m.context?.sessionId)
  expect(misplaced).toEqual([])
})

test('keeps an event tracked on a click that leaves the page while the collector is down', async () => {
  // The classic last event: a click on a link tracks, and the browser leaves in the same task.
  // With the collector down the keepalive at pagehide fails, so only the page's own storage
  // can keep the event until the next page.
  const collector = await createReceiver()
  closing.push(() => collector.close())
  collector.down('destroy')
  const script = `document.getElementById('buy').addEventListener('click', () => northstar.track('Checkout Clicked'))`
  collector.serve('/shop.html', snippetPage({ host: collector.origin, title: 'Shop', body: `<a id="buy" href="/checkout.html">Buy</a><script>${script}</script>` }))
  collector.serve('/checkout.html', plainPage('Checkout'))
  const browser = await launch()
  profiles.push(browser.remove)
  closing.push(() => browser.context.close())

  const page = await browser.context.newPage()
  await page.goto(`${collector.origin}/shop.html`)
  await until(async () => (await idbQueue(page)).length > 0, 'the page view in the IndexedDB queue')
  // Another tab of the site is writing to the queue (as a busy tab, or a slow disk, would), so
  // the SDK's write of the click is still pending when the page goes. Without this it is
  // pending by chance: about 1 click in 10 here.
  const other = await browser.context.newPage()
  await other.goto(`${collector.origin}/checkout.html`)
  await other.evaluate(
    () =>
      new Promise<void>((started) => {
        const open = indexedDB.open('northstar')
        open.onsuccess = () => {
          const tx = open.result.transaction('queue', 'readwrite')
          const queue = tx.objectStore('queue')
          const end = Date.now() + 2000
          const spin = () => void (Date.now() < end && (queue.get('busy').onsuccess = spin))
          spin()
          ;(window as unknown as { idle: Promise<void> }).idle = new Promise((done) => (tx.oncomplete = () => (open.result.close(), done())))
          started()
        }
      }),
  )
  await page.click('#buy')
  await page.waitForURL('**/checkout.html')
  await other.evaluate(() => (window as unknown as { idle: Promise<void> }).idle)

  // The collector comes back and the shop is visited again.
  collector.up()
  await page.goto(`${collector.origin}/shop.html`)
  await until(() => collector.events('Checkout Clicked').length > 0, 'the event tracked on the click (it was neither delivered nor stored)', { timeout: 20_000 })
  expect(collector.events('Checkout Clicked')).toHaveLength(1)
})
