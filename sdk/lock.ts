// Several tabs share one IndexedDB queue; only one of them may send it at a
// time, or every tab would post the same persisted messages. The Web Locks API
// does that exactly. It is missing in non-secure contexts (plain http on a LAN
// host), where a lease in localStorage stands in.
import { uuidv7 } from './id'
import type { Local } from './storage'

/** Runs `fn` while holding the lock; resolves undefined without running it when another tab holds the lease. */
export type Lock = <T>(fn: () => Promise<T>) => Promise<T | undefined>

const LEASE = 10_000
const SETTLE = 50

export function createLock(name: string, local: Local, locks = typeof navigator != 'undefined' ? navigator.locks : undefined): Lock {
  if (!locks) return leaseLock(name, local)
  let lease: Lock | undefined
  // Web Locks refuse an opaque origin (a sandboxed iframe) with a SecurityError: then the lease
  return (fn) => locks.request(name, fn).catch((error) => (error?.name == 'SecurityError' ? (lease ??= leaseLock(name, local))(fn) : Promise.reject(error)))
}

function leaseLock(name: string, local: Local): Lock {
  const me = uuidv7()
  const holder = () => {
    const [id, until] = (local.get(name) || '').split(' ')
    return id && +until! > Date.now() ? id : undefined
  }
  const claim = () => local.set(name, `${me} ${Date.now() + LEASE}`)
  // A renewal comes late in a hidden tab (timers are throttled): by then another tab may hold the lease, and keeps it
  const renew = () => holder() == me && claim()
  const release = () => holder() == me && local.remove(name)
  // A page that leaves mid-send must not make the next one wait out the lease, nor claim it again on its way
  // out (a send queued behind the one the unload ended): it would never release it.
  let gone = false
  addEventListener('pagehide', () => ((gone = true), release()))
  addEventListener('pageshow', () => (gone = false)) // back from the back/forward cache

  return async (fn) => {
    if (gone || (holder() || me) != me) return undefined
    claim()
    // Two tabs may claim at once; the last write wins. Wait for it to land, then look.
    await new Promise((resolve) => setTimeout(resolve, SETTLE))
    if (holder() != me) return undefined
    const renewing = setInterval(renew, LEASE / 3)
    try {
      return await fn()
    } finally {
      clearInterval(renewing)
      release()
    }
  }
}
