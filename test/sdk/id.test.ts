import { afterEach, expect, test, vi } from 'vitest'
import { uuidv7 } from '../../sdk/id'

afterEach(() => vi.unstubAllGlobals())

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('makes RFC 9562 version 7 ids whose first 48 bits are the milliseconds', () => {
  const id = uuidv7(Date.UTC(2026, 0, 1))
  expect(id).toMatch(UUIDV7)
  expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2026, 0, 1))
})

test('sorts in the order the ids were made, thousands within one millisecond', () => {
  const now = Date.now() + 1000
  const ids = Array.from({ length: 10_000 }, () => uuidv7(now))
  expect([...ids].sort()).toEqual(ids)
  expect(new Set(ids).size).toBe(ids.length)
  for (const id of ids) expect(id).toMatch(UUIDV7)
})

test('stays in order when the clock steps back', () => {
  const a = uuidv7(Date.now() + 5000)
  const b = uuidv7(Date.now())
  expect(b > a).toBe(true)
})

test('works without crypto, as in very old or stripped environments', () => {
  vi.stubGlobal('crypto', undefined)
  const ids = Array.from({ length: 200 }, () => uuidv7())
  for (const id of ids) expect(id).toMatch(UUIDV7)
  expect(new Set(ids).size).toBe(200)
})
