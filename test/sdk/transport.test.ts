import { expect, test } from 'vitest'
import { backoff, retryAfter } from '../../sdk/transport'

test('reads Retry-After as seconds or as an HTTP date', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0)
  expect(retryAfter('120', now)).toBe(120_000)
  expect(retryAfter('Sun, 22 Nov 2026 12:00:30 GMT', now)).toBe(30_000)
  expect(retryAfter(null, now)).toBeUndefined()
  expect(retryAfter('soon', now)).toBeUndefined()
  expect(retryAfter('Sun, 22 Nov 2026 11:00:00 GMT', now)).toBeUndefined() // in the past
})

test('backs off with full jitter between 0 and the capped exponential', () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const cap = Math.min(60_000, 1000 * 2 ** attempt)
    for (let i = 0; i < 50; i++) {
      const ms = backoff(attempt)
      expect(ms).toBeGreaterThanOrEqual(0)
      expect(ms).toBeLessThan(cap)
    }
  }
})
