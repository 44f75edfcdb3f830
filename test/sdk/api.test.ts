import { afterAll, afterEach, beforeAll, beforeEach, expect, test, vi } from 'vitest'
import { client } from './client'
import { fakeCollector, host } from './collector'

const collector = fakeCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
beforeEach(() => vi.resetModules())
afterEach(() => {
  collector.reset()
  vi.restoreAllMocks()
})
afterAll(() => collector.server.close())

test('sends nothing before init, then replays the calls made before it in order', async () => {
  const northstar = await import('../../sdk/index')
  northstar.identify('user-1')
  northstar.track('first')
  northstar.step('create_project')
  northstar.feature('export_csv')
  expect(await northstar.flush()).toEqual({ error: 'not initialized' })
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(collector.batches).toHaveLength(0)
  const c = northstar.init({ writeKey: 'wk_test', host, autoPageviews: false, engagement: false })
  await northstar.flush()
  expect(collector.messages().map((m) => m.event ?? m.type)).toEqual(['identify', 'first', '$step', '$feature'])
  expect(collector.tracked()[1]!.properties).toEqual({ step: 'create_project' })
  expect(collector.tracked()[2]!.properties).toEqual({ feature: 'export_csv' })
  c.shutdown()
})

test('a second init keeps the first client', async () => {
  const northstar = await import('../../sdk/index')
  const a = northstar.init({ writeKey: 'wk_test', host, autoPageviews: false })
  const b = northstar.init({ writeKey: 'wk_other', host })
  expect(b).toBe(a)
  a.shutdown()
})

test.each([
  [{ host }, 'northstar.init: writeKey is required'],
  [{ writeKey: 'wk_test' }, "northstar.init: host must be the collector's origin"],
  [{ writeKey: 'wk_test', host: 'collector.test' }, "northstar.init: host must be the collector's origin"],
  [{ writeKey: 'wk_test', host, flushAt: 0 }, 'northstar.init: flushAt must be a positive number'],
])('init(%o) throws, naming the option and the fix', async (options, message) => {
  const { createClient } = await import('../../sdk/index')
  expect(() => createClient(options as never)).toThrow(message)
})

test('throws for misuse, naming the call', () => {
  const c = client()
  expect(() => c.track(42 as never)).toThrow('northstar.track: event must be a string of 1 to 200 characters')
  expect(() => c.track('ok', 'props' as never)).toThrow('northstar.track: properties must be an object')
  expect(() => c.identify('')).toThrow('northstar.identify: userId must be a string of 1 to 200 characters')
  expect(() => c.group('g'.repeat(201))).toThrow('northstar.group: groupId must be a string of 1 to 200 characters')
  expect(() => c.step(undefined as never)).toThrow('northstar.step: id must be')
})

test('never throws into the page for what it cannot send, and warns once in debug mode', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  const c = client({ debug: true })
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  expect(() => c.track('Cycle', cycle)).not.toThrow()
  expect(() => c.track('Cycle', cycle)).not.toThrow()
  c.track('Fine')
  await c.flush()
  expect(collector.tracked().map((m) => m.event)).toEqual(['Fine'])
  expect(warn).toHaveBeenCalledTimes(1)
  expect(warn.mock.calls[0]![0]).toMatch(/Ignoring track: .*circular/i)
})

test('identify and group never throw into the page for traits that do not serialize', async () => {
  const c = client()
  const cycle: Record<string, unknown> = { name: 'Ann' }
  cycle.self = cycle
  expect(() => c.identify('ann', cycle)).not.toThrow()
  expect(() => c.group('acme', { seats: 10n })).not.toThrow()
  c.track('after')
  await c.flush()
  expect(collector.tracked().map((m) => [m.event, m.userId])).toEqual([['after', 'ann']])
})

test('the host may end with a slash', async () => {
  const c = client({ host: `${host}/` })
  c.track('a')
  expect(await c.flush()).toEqual({})
  expect(collector.tracked()).toHaveLength(1)
})
