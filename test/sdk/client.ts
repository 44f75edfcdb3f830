// Clients made by a test are shut down after it, so their listeners and hooks do not leak into the next.
import { afterEach } from 'vitest'
import { createClient, type Client, type Options } from '../../sdk/index'
import { host } from './collector'

const clients: Client[] = []
afterEach(() => clients.splice(0).forEach((c) => c.shutdown()))

/** A client with only what the test tracks: no automatic page views or engagement. */
export function client(options: Partial<Options> = {}): Client {
  const c = createClient({ writeKey: 'wk_test', host, autoPageviews: false, engagement: false, ...options })
  clients.push(c)
  return c
}
