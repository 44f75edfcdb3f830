// The edges of the browser the SDK must live with, in real Chromium: the
// 65,536-byte keepalive quota at pagehide, an IndexedDB that refuses writes,
// a collector on another origin (no preflight, ever), and a non-secure
// context where navigator.locks and crypto.randomUUID do not exist.
import { afterAll, expect, test } from 'vitest'
import { launch } from './chromium.mjs'
import { idbQueue, plainPage, range, snippetPage, sortedN, track, until } from './helpers'
import { createReceiver, requireDist, type Receiver } from './receiver'

/** The browser's budget for the bodies of all keepalive requests in flight (Fetch standard, 4.5). */
const KEEPALIVE_QUOTA = 65_536

const cleanup: Array<() => unknown> = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
})

async function receiverFor(options?: Parameters<typeof createReceiver>[0]): Promise<Receiver> {
  requireDist()
  const receiver = await createReceiver(options)
  cleanup.push(() => receiver.close())
  return receiver
}

async function browserWith(args?: string[]) {
  const browser = await launch({ args })
  cleanup.push(browser.remove, () => browser.context.close())
  return browser
}

const distinct = (receiver: Receiver, event: string) => new Set(receiver.events(event).map((m) => m.properties?.n)).size

test('keeps the keepalive requests sent at pagehide within 65,536 bytes, and delivers the rest later from IndexedDB', async () => {
  const TOTAL = 200
  const receiver = await receiverFor()
  // Down: everything is refused with a long Retry-After, so nothing is ever confirmed before the page goes.
  receiver.down({ status: 503, retryAfter: 3600 })
  receiver.serve('/app.html', snippetPage({ host: receiver.origin }))
  receiver.serve('/away.html', plainPage('Away'))
  const { context } = await browserWith()
  // Log every keepalive fetch (its UTF-8 body size) and any rejection in sessionStorage, which
  // survives the navigation in this tab: a rejected keepalive never reaches the network to be seen.
  await context.addInitScript(() => {
    const log = (entry: object) => sessionStorage.setItem('e2e:keepalive', JSON.stringify([...JSON.parse(sessionStorage.getItem('e2e:keepalive') || '[]'), entry]))
    const fetch = window.fetch
    window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
      const sent = fetch.call(this, input, init)
      if (init?.keepalive) {
        log({ bytes: new TextEncoder().encode(String(init.body)).length, page: location.pathname })
        sent.catch((error) => log({ rejected: String(error) }))
      }
      return sent
    }
  })
  const page = await context.newPage()
  const failed: string[] = []
  page.on('requestfailed', (request) => failed.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`))
  await page.goto(`${receiver.origin}/app.html`)

  await track(page, 'Big', 0, TOTAL, { pad: 800 })
  // All of it waits in IndexedDB, well over the quota: the routine send was refused.
  const queued = await until(async () => {
    const q = await idbQueue(page)
    return q.filter((m) => m.event == 'Big').length == TOTAL && q
  }, 'every Big event in the IndexedDB queue')
  const queuedBytes = queued.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)), 0)
  expect(queuedBytes).toBeGreaterThan(2 * KEEPALIVE_QUOTA)

  const before = receiver.requests.length
  await page.goto(`${receiver.origin}/away.html`)
  const calls = (await page.evaluate(() => JSON.parse(sessionStorage.getItem('e2e:keepalive') || '[]'))) as Array<{ bytes?: number; rejected?: string }>
  const sent = calls.filter((c) => c.bytes != null)
  // Every keepalive request the page made reaches the collector (a request over the quota would not).
  const atHide = await until(() => receiver.requests.length - before >= sent.length && receiver.requests.slice(before), 'the keepalive requests at the receiver', {
    timeout: 15_000,
  })
  const bytes = sent.reduce((sum, c) => sum + c.bytes!, 0)
  console.log(
    `keepalive: ${queued.length} messages (${queuedBytes} bytes of JSON) queued at pagehide; ${sent.length} keepalive request(s) of ` +
      `${sent.map((c) => c.bytes).join(' + ')} = ${bytes} bytes (quota ${KEEPALIVE_QUOTA}), carrying ${atHide.reduce((n, r) => n + r.messages.length, 0)} messages`,
  )
  expect(sent.length).toBeGreaterThan(0)
  expect(bytes).toBeLessThanOrEqual(KEEPALIVE_QUOTA)
  // The SDK uses the quota rather than sending a token amount.
  expect(bytes).toBeGreaterThan(KEEPALIVE_QUOTA / 2)
  expect(atHide.map((r) => r.bytes).sort()).toEqual(sent.map((c) => c.bytes).sort())
  expect(calls.filter((c) => c.rejected)).toEqual([])
  expect(failed).toEqual([])

  // The check has teeth: this Chromium does reject a keepalive body over the quota.
  const over = await page.evaluate(() =>
    fetch('/v1/over-quota', { method: 'POST', keepalive: true, body: 'x'.repeat(65_537) }).then(
      () => 'sent',
      () => 'rejected',
    ),
  )
  expect(over).toBe('rejected')

  // The collector comes back and the site is opened again: everything arrives, once each after dedup.
  receiver.up()
  await page.goto(`${receiver.origin}/app.html`)
  await until(() => distinct(receiver, 'Big') == TOTAL, `all ${TOTAL} Big events at the receiver`)
  expect(sortedN(receiver.events('Big'))).toEqual(range(0, TOTAL))
  await context.close()
})

test('delivers every event from memory when IndexedDB refuses writes for its quota', async () => {
  const TOTAL = 200
  const receiver = await receiverFor({ failureRate: 0.3 })
  receiver.serve('/app.html', snippetPage({ host: receiver.origin, init: { flushAt: 20, flushInterval: 250, debug: true } }))
  const { context } = await browserWith()
  const page = await context.newPage()
  const warnings: string[] = []
  page.on('console', (message) => message.type() == 'warning' && warnings.push(message.text()))
  // A one-byte quota for the origin, before it stores anything (IndexedDB caches what space it has left).
  // Not 0: Chromium reads a quota of 0 as "no limit".
  const cdp = await context.newCDPSession(page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: receiver.origin, quotaSize: 1 })
  await page.goto(`${receiver.origin}/app.html`)
  // The precondition holds: this origin's IndexedDB refuses a write for the quota.
  const probe = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const open = indexedDB.open('e2e-quota-probe', 1)
        open.onupgradeneeded = () => open.result.createObjectStore('s')
        open.onerror = () => resolve(`open: ${open.error?.name}`)
        open.onsuccess = () => {
          const tx = open.result.transaction('s', 'readwrite')
          tx.objectStore('s').put('x'.repeat(1000), 'k')
          tx.oncomplete = () => resolve('stored')
          tx.onabort = () => resolve(tx.error?.name ?? 'aborted')
        }
      }),
  )
  expect(probe).toBe('QuotaExceededError')

  await track(page, 'Unstored', 0, TOTAL)
  await until(() => distinct(receiver, 'Unstored') == TOTAL, `all ${TOTAL} Unstored events at the receiver`)
  console.log(`IndexedDB quota: ${receiver.requests.length} batch requests, ${receiver.duplicates} duplicates; SDK warnings: ${JSON.stringify(warnings)}`)
  expect(sortedN(receiver.events('Unstored'))).toEqual(range(0, TOTAL))
  // They travelled from memory: the SDK was told IndexedDB refused them, and none is stored there.
  expect(warnings.some((w) => /IndexedDB/.test(w))).toBe(true)
  expect(await idbQueue(page)).toEqual([])
  await context.close()
})

test('sends to a collector on another origin with no preflight: text/plain, no custom headers', async () => {
  const TOTAL = 100
  const site = await receiverFor()
  const collector = await receiverFor()
  const host = `http://localhost:${collector.port}`
  collector.allow(site.origin)
  site.serve('/app.html', snippetPage({ host, init: { flushAt: 20, flushInterval: 250 } }))
  site.serve('/away.html', plainPage('Away'))
  const { context } = await browserWith()
  const page = await context.newPage()
  await page.goto(`${site.origin}/app.html`)

  await track(page, 'Cross', 0, TOTAL)
  await until(() => distinct(collector, 'Cross') == TOTAL, `all ${TOTAL} Cross events at the collector`)
  // Nothing failed, so nothing was sent twice: the SDK could read every cross-origin answer.
  expect(collector.duplicates).toBe(0)
  // Also through keepalive at pagehide: track and leave at once, then come back for whatever stayed queued.
  await track(page, 'Leaving', 0, 50)
  await page.goto(`${site.origin}/away.html`)
  await page.goto(`${site.origin}/app.html`)
  await until(() => distinct(collector, 'Leaving') == 50, 'all 50 Leaving events at the collector')

  expect(sortedN(collector.events('Cross'))).toEqual(range(0, TOTAL))
  expect(sortedN(collector.events('Leaving'))).toEqual(range(0, 50))
  expect(collector.preflights).toEqual([])
  expect(site.requests).toEqual([])
  // Headers the browser sets by itself, or CORS-safelisted ones: anything else would need a preflight.
  const browserSet = /^(host|connection|content-length|content-type|origin|referer|user-agent|accept|accept-encoding|accept-language|cache-control|pragma|priority|sec-.*)$/
  for (const { headers } of collector.requests) {
    expect(headers['content-type']).toBe('text/plain;charset=UTF-8')
    expect(headers.origin).toBe(site.origin)
    expect(headers['sec-fetch-site']).toBe('cross-site')
    expect(Object.keys(headers).filter((name) => !browserSet.test(name))).toEqual([])
  }
  console.log(`cross-origin: ${collector.requests.length} batch requests, ${collector.preflights.length} preflights, ${collector.duplicates} duplicates`)
  await context.close()
})

test('delivers every event exactly once after dedup in a non-secure context, without navigator.locks or crypto.randomUUID', async () => {
  const TOTAL = 300
  // Answers take 100 to 300 ms, so that the navigation below lands while a send holds the lease.
  const receiver = await receiverFor({ failureRate: 0.3, latency: [100, 300] })
  // http://lan.test is plain http on a name that is not localhost: not a secure context.
  const host = `http://lan.test:${receiver.port}`
  receiver.allow(host)
  receiver.serve('/app.html', snippetPage({ host, init: { flushAt: 20, flushInterval: 250 } }))
  receiver.serve('/next.html', snippetPage({ host, title: 'Next page', init: { flushAt: 20, flushInterval: 250 } }))
  const { context } = await browserWith(['--host-resolver-rules=MAP lan.test 127.0.0.1'])
  const page = await context.newPage()
  await page.goto(`${host}/app.html`)
  expect(await page.evaluate(() => ({ secure: window.isSecureContext, locks: typeof navigator.locks, randomUUID: typeof crypto.randomUUID }))).toEqual({
    secure: false,
    locks: 'undefined',
    randomUUID: 'undefined',
  })

  // The localStorage lease stands in for the lock, also across a navigation in the middle of a send: the
  // page that held it releases it on pagehide and claims it no more (sdk/lock.ts), so the next page need not wait it out.
  await track(page, 'Insecure', 0, TOTAL / 2)
  await until(() => receiver.inFlight > 0, 'a batch in flight to navigate away from')
  await page.goto(`${host}/next.html`)
  await track(page, 'Insecure', TOTAL / 2, TOTAL)
  await until(() => distinct(receiver, 'Insecure') == TOTAL, `all ${TOTAL} Insecure events at the receiver`)

  console.log(`non-secure context: ${receiver.requests.length} batch requests, ${receiver.arrivals} arrivals, ${receiver.duplicates} duplicates`)
  expect(sortedN(receiver.events('Insecure'))).toEqual(range(0, TOTAL))
  // Ids are still UUIDv7 without crypto.randomUUID.
  for (const m of receiver.stored.values()) expect(m.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  await context.close()
})
