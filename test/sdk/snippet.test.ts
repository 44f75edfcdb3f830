import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { fakeCollector, host } from './collector'

const collector = fakeCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => collector.server.close())

test('the snippet records calls made before the bundle loads, and the bundle replays them in order', async () => {
  const tag = document.createElement('script')
  tag.dataset.writeKey = 'wk_test'
  tag.dataset.host = host
  Object.defineProperty(document, 'currentScript', { value: tag, configurable: true })
  new Function(readFileSync('sdk/snippet.js', 'utf8'))() // what the page runs inline
  const stub = (window as unknown as { northstar: Record<string, (...a: unknown[]) => void> }).northstar
  expect(document.head.querySelector('script')!.getAttribute('src')).toBe(`${host}/northstar.js`)
  stub.identify!('user-1', { plan: 'pro' })
  stub.track!('Clicked', { n: 1 })
  stub.step!('create_project')
  stub.track!('Clicked', { n: 2 })

  Object.defineProperty(document, 'currentScript', { value: null, configurable: true })
  await import('../../sdk/browser') // dist/northstar.js arrives
  const { flush } = await import('../../sdk/api')
  await flush()
  expect(collector.messages().map((m) => [m.type, m.event ?? m.userId])).toEqual([
    ['page', undefined],
    ['identify', 'user-1'],
    ['track', 'Clicked'],
    ['track', '$step'],
    ['track', 'Clicked'],
  ])
  expect(collector.batches[0]!.writeKey).toBe('wk_test')
})

test('a misused call recorded by the stub is reported, and the calls after it still run', async () => {
  vi.resetModules()
  const error = vi.spyOn(console, 'error').mockImplementation(() => {})
  collector.reset()
  ;(window as unknown as { northstar: unknown }).northstar = {
    q: [
      ['init', [{ writeKey: 'wk_test', host, autoPageviews: false }]],
      ['track', ['']],
      ['track', ['After']],
    ],
  }
  await import('../../sdk/browser')
  const { flush } = await import('../../sdk/api')
  await flush()
  expect(collector.tracked().map((m) => m.event)).toEqual(['After'])
  expect(error).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringContaining('northstar.track: event must be') }))
})
