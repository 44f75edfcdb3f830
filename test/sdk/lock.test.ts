import { expect, test } from 'vitest'
import { createLock } from '../../sdk/lock'
import { localStore } from '../../sdk/storage'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('without Web Locks, a lease in localStorage lets one tab send at a time', async () => {
  // two tabs of a non-secure context: navigator.locks is undefined there
  const a = createLock('northstar:send', localStore(), undefined)
  const b = createLock('northstar:send', localStore(), undefined)
  const running: string[] = []
  let overlap = false
  const work = (name: string) => async () => {
    running.push(name)
    overlap ||= running.length > 1
    await sleep(100)
    running.splice(running.indexOf(name), 1)
    return name
  }
  const results = await Promise.all([a(work('a')), b(work('b'))])
  expect(overlap).toBe(false)
  expect(results.filter(Boolean)).toHaveLength(1) // the other found the lease taken and will try again
  expect(await b(work('b'))).toBe('b') // released afterwards
})

test('a lease left by a tab that died expires', async () => {
  localStorage.setItem('northstar:send', `dead-tab ${Date.now() + 100}`)
  const lock = createLock('northstar:send', localStore(), undefined)
  expect(await lock(async () => 'sent')).toBeUndefined()
  await sleep(150)
  expect(await lock(async () => 'sent')).toBe('sent')
})

test('uses the Web Locks API where it exists', async () => {
  const names: string[] = []
  const locks = { request: (name: string, fn: () => Promise<unknown>) => (names.push(name), fn()) } as unknown as LockManager
  expect(await createLock('northstar:send', localStore(), locks)(async () => 'sent')).toBe('sent')
  expect(names).toEqual(['northstar:send'])
})

test('falls back to the lease where Web Locks exist but refuse the page (an opaque origin: a sandboxed iframe)', async () => {
  const refused = { request: () => Promise.reject(new DOMException('Access to the Locks API is denied in this context.', 'SecurityError')) } as unknown as LockManager
  const a = createLock('northstar:send', localStore(), refused)
  const b = createLock('northstar:send', localStore(), refused)
  const results = await Promise.all([a(async () => (await sleep(100), 'a')), b(async () => (await sleep(100), 'b'))])
  expect(results.filter(Boolean)).toHaveLength(1)
  const failing = { request: () => Promise.reject(new Error('some other failure')) } as unknown as LockManager
  await expect(createLock('northstar:send', localStore(), failing)(async () => 'sent')).rejects.toThrow('some other failure')
})

test('a late renewal does not take back a lease another tab holds by then', async () => {
  const a = createLock('northstar:send', localStore(), undefined)
  const seen: (string | null)[] = []
  const sent = a(async () => {
    localStorage.setItem('northstar:send', `other-tab ${Date.now() + 60_000}`) // a's lease ran out while its timers were throttled
    await sleep(3500) // a renewal falls due (every 10 s / 3)
    seen.push(localStorage.getItem('northstar:send'))
    return 'sent'
  })
  expect(await sent).toBe('sent')
  expect(seen[0]).toMatch(/^other-tab /)
  expect(localStorage.getItem('northstar:send')).toMatch(/^other-tab /) // nor released
  localStorage.removeItem('northstar:send')
}, 10_000)

test('a page on its way out claims the lease no more, and releases it; back from the back/forward cache, it may again', async () => {
  const lock = createLock('northstar:send', localStore(), undefined)
  let finish!: () => void
  const sending = lock(() => new Promise<string>((resolve) => (finish = () => resolve('first'))))
  await sleep(100)
  expect(localStorage.getItem('northstar:send')).not.toBeNull()
  dispatchEvent(new PageTransitionEvent('pagehide'))
  expect(localStorage.getItem('northstar:send')).toBeNull()
  expect(await lock(async () => 'queued behind the send the unload ended')).toBeUndefined()
  expect(localStorage.getItem('northstar:send')).toBeNull()
  finish()
  await sending
  dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
  expect(await lock(async () => 'sent')).toBe('sent')
})
