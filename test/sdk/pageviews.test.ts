import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { client } from './client'
import { fakeCollector } from './collector'

const collector = fakeCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  collector.reset()
  history.replaceState(null, '', '/')
})
afterAll(() => collector.server.close())

const pages = () => collector.messages().filter((m) => m.type == 'page').map((m) => m.context!.page!.path + new URL(m.context!.page!.url!).hash)

test('tracks a page view at init and on each SPA navigation', async () => {
  const c = client({ autoPageviews: true })
  history.pushState(null, '', '/projects')
  history.pushState(null, '', '/projects/42')
  // the back button: the URL changes without pushState, then popstate fires
  History.prototype.replaceState.call(history, null, '', '/projects')
  dispatchEvent(new PopStateEvent('popstate'))
  await c.flush()
  expect(pages()).toEqual(['/', '/projects', '/projects/42', '/projects'])
})

test('does not count a replaceState that only rewrites the query or state', async () => {
  const c = client({ autoPageviews: true })
  history.replaceState({ scroll: 10 }, '', '/?filter=open')
  history.pushState(null, '', '/?filter=closed')
  history.replaceState(null, '', '/login-redirected') // a redirect is a new page
  await c.flush()
  expect(pages()).toEqual(['/', '/login-redirected'])
})

test('follows hash routes, not anchors', async () => {
  const c = client({ autoPageviews: true })
  location.hash = '#section-2' // an anchor on the same page
  await new Promise((resolve) => addEventListener('hashchange', resolve, { once: true }))
  location.hash = '#/settings' // a route of a hash router
  await new Promise((resolve) => addEventListener('hashchange', resolve, { once: true }))
  await c.flush()
  expect(pages()).toEqual(['/', '/#/settings'])
})

test('records the page in every message’s context', async () => {
  document.title = 'Dashboard'
  const c = client()
  c.track('Report Shared')
  await c.flush()
  expect(collector.tracked()[0]!.context!.page).toEqual({ url: location.href, path: '/', referrer: document.referrer, title: 'Dashboard' })
})
