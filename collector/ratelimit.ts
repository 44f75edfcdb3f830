// A token bucket per write key, counted in messages. Per process: with N
// collectors behind a load balancer each enforces its own share (README).

export interface RateLimit {
  /** Messages per second, sustained. 0 turns the limit off. */
  perSecond: number
  /** Messages accepted at once above the sustained rate. */
  burst: number
}

export const defaultRateLimit: RateLimit = { perSecond: 10_000, burst: 100_000 }

/** Returns 0 when `cost` messages may pass now, else the ms to wait before retrying. */
export function createRateLimiter({ perSecond, burst }: RateLimit, now: () => number) {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return (key: string, cost: number): number => {
    if (!perSecond) return 0
    const t = now()
    const b = buckets.get(key) ?? { tokens: burst, at: t }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) * perSecond) / 1000)
    b.at = t
    buckets.set(key, b)
    // A batch larger than the burst passes on a full bucket and leaves it in debt, rather than never passing.
    const need = Math.min(cost, burst)
    if (b.tokens >= need) {
      b.tokens -= cost
      return 0
    }
    return Math.ceil(((need - b.tokens) * 1000) / perSecond)
  }
}
