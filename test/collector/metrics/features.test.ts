import { afterAll, describe, expect, test } from 'vitest'
import { firstEvents } from '../../../collector/metrics/activity'
import { dialects, iso, stopPostgres } from '../harness'
import { answer, feature, group, identify, jan, page, step, track, useMetrics } from './helpers'

afterAll(() => stopPostgres())

describe.each(dialects)('feature adoption on %s', (dialect) => {
  const t = useMetrics(dialect)
  const january = { from: iso(jan(1)), to: iso(jan(32)) }

  test('250 of 400 Pro users using a feature is 62.5%', async () => {
    const pro = Array.from({ length: 400 }, (_, i) => ({ user: `pro${i}` }))
    const free = Array.from({ length: 100 }, (_, i) => ({ user: `free${i}` }))
    await t.send([
      ...pro.map((who) => identify(who, jan(2), { plan: 'pro' })),
      ...free.map((who) => identify(who, jan(2), { plan: 'free' })),
      ...pro.slice(0, 250).map((who) => feature(who, jan(3), 'export_csv')),
      ...free.map((who) => feature(who, jan(3), 'export_csv')),
    ])
    const r = await t.metric('features', { ...january, segment: 'plan:pro' })
    expect(r.active).toBe(400)
    expect(r.features[0]).toEqual({ id: 'export_csv', name: 'CSV export', users: 250, adoptionRate: 62.5 })
    expect(r.breadth).toBe(31.25) // 250 of 400 use 1 of 2 features
  })

  test('a feature is used by its $feature id or by the event it names; breadth is the mean share', async () => {
    await t.send([
      page({ user: 'a' }, jan(2)),
      feature({ user: 'b' }, jan(2), 'export_csv'),
      track({ user: 'b' }, jan(2), 'API Key Created'),
      feature({ user: 'c' }, jan(2), 'api_access'),
    ])
    const r = await t.metric('features', january)
    expect(r).toMatchObject({ active: 3, breadth: 50 }) // (0 + 100 + 50) / 3
    expect(r.features.map((f: any) => f.users)).toEqual([1, 2])
  })

  test('an event exactly at from counts, one exactly at to does not', async () => {
    await t.send([feature({ user: 'at-from' }, jan(1), 'export_csv'), feature({ user: 'at-to' }, jan(32), 'export_csv'), page({ user: 'at-to' }, jan(31, 23))])
    const r = await t.metric('features', january)
    expect(r.active).toBe(2)
    expect(r.features[0].users).toBe(1)
  })

  test('use outside a window inside one day is told apart by the events themselves', async () => {
    // one day, uses at 01:00 and 23:00: the window 02:00-22:00 holds none, 00:00-02:00 holds one
    await t.send([feature({ user: 'd' }, jan(5, 1), 'export_csv'), feature({ user: 'd' }, jan(5, 23), 'export_csv'), page({ user: 'd' }, jan(5, 12))])
    expect((await t.metric('features', { from: iso(jan(5, 2)), to: iso(jan(5, 22)) })).features[0].users).toBe(0)
    expect((await t.metric('features', { from: iso(jan(5, 2)), to: iso(jan(5, 22)) })).active).toBe(1)
    expect((await t.metric('features', { from: iso(jan(5, 0)), to: iso(jan(5, 2)) })).features[0].users).toBe(1)
  })

  test('what a device did before it is linked counts for the person it is linked to, a later re-link moving it again', async () => {
    await t.send([feature({ anon: 'laptop' }, jan(2), 'export_csv'), page({ anon: 'phone' }, jan(3))])
    await t.send([identify({ anon: 'laptop', user: 'u' }, jan(4)), identify({ anon: 'phone', user: 'u' }, jan(5))])
    expect(await t.metric('features', january)).toMatchObject({ active: 1, features: [{ users: 1 }, { users: 0 }] })
    await t.send([identify({ anon: 'laptop', user: 'v' }, jan(6))])
    expect(await t.metric('features', january)).toMatchObject({ active: 2, features: [{ users: 1 }, { users: 0 }] })
    expect(await t.metric('features', { ...january, segment: 'plan:pro' })).toMatchObject({ active: 0 })
  })

  test('the events asked where a day cannot tell are each looked up in their own range, many lookups read together', async () => {
    await t.send([
      feature({ anon: 'd' }, jan(5, 1), 'export_csv'),
      page({ anon: 'd' }, jan(5, 12)),
      feature({ anon: 'd' }, jan(6, 23), 'export_csv'),
      step({ anon: 'd' }, jan(5, 13), 'invite_teammate'),
      answer({ anon: 'd' }, jan(5, 14), 'nps-main', 'nps', 9),
    ])
    const keys = ['f:export_csv']
    const range = [jan(5, 2), jan(5, 22)] as [number, number]
    const lookups = [
      { actor: 'a:d', keys, range }, // none inside, one at each side
      { actor: 'a:d', keys, range: [jan(5), jan(7)] as [number, number] },
      { actor: 'a:d', keys: [''], range },
      { actor: 'a:nobody', keys, range: [jan(5), jan(7)] as [number, number] },
      // the step, feature or survey a key names is the event's own (its properties), not another's
      { actor: 'a:d', keys: ['s:invite_teammate'], range },
      { actor: 'a:d', keys: ['s:create_project', 'f:api_access'], range },
      { actor: 'a:d', keys: ['v:$survey_response:nps-main'], range },
      { actor: 'a:d', keys: ['v:$survey_response:other'], range },
    ]
    expect(await firstEvents(t.db, 'saas', lookups)).toEqual([null, jan(5, 1), jan(5, 12), null, jan(5, 13), null, jan(5, 14), null])
  })

  test('segments use traits as they stand now, merged key by key across devices, then the account', async () => {
    await t.send([
      // plan was free in January, pro since February: counts as pro
      identify({ user: 'up' }, jan(2), { plan: 'free' }),
      identify({ user: 'up' }, jan(40), { plan: 'pro' }),
      // two devices: the laptop set plan and role, the phone only role
      identify({ anon: 'laptop', user: 'two' }, jan(2), { plan: 'pro', role: 'admin' }),
      identify({ anon: 'phone', user: 'two' }, jan(3), { role: 'viewer' }),
      // no plan of their own: the account's
      identify({ user: 'member' }, jan(2)),
      group({ user: 'member' }, jan(2), 'acme', { plan: 'pro' }),
      // own plan first, before the account's
      identify({ user: 'own' }, jan(2), { plan: 'free' }),
      group({ user: 'own' }, jan(2), 'acme'),
    ])
    expect((await t.metric('features', { ...january, segment: 'plan:pro' })).active).toBe(3)
    expect((await t.metric('features', { ...january, segment: ['plan:pro', 'role:viewer'] })).active).toBe(1)
    expect((await t.metric('features', { ...january, segment: ['plan:pro', 'role:admin'] })).active).toBe(0)
  })

  test('a segment compares a string trait as it is and any other value as JSON', async () => {
    await t.send([
      identify({ user: 'number' }, jan(2), { seats: 3, flag: true }),
      identify({ user: 'text' }, jan(2), { seats: '3', label: '"x"' }),
      identify({ user: 'object' }, jan(2), { seats: { n: 3 }, label: 'x' }),
    ])
    const active = async (segment: string) => (await t.metric('features', { ...january, segment })).active
    expect([await active('seats:3'), await active('flag:true'), await active('label:"x"'), await active('label:x'), await active('seats:{"n":3}'), await active('seats:"3"')]).toEqual([2, 1, 1, 1, 1, 0])
  })

  test('an empty window answers null rates and zero counts', async () => {
    const r = await t.metric('features', january)
    expect(r).toMatchObject({ active: 0, breadth: null })
    expect(r.features.map((f: any) => [f.users, f.adoptionRate])).toEqual([
      [0, null],
      [0, null],
    ])
  })
})
