// One POST, classified. Requests are CORS-simple: a string body is sent as
// text/plain, no custom headers, so the browser never sends a preflight (also
// from pagehide, where a preflight could not complete).
import type { ErrorResponse, Rejection } from './wire'

export type Outcome =
  /** Stored; `rejected` lists the messages the collector refused by index (a 400). */
  | { ok: true; rejected: Rejection[] }
  /** Nothing stored. `status` 0 is a network error, 408 our own timeout; `retryAfter` is in ms. */
  | { ok: false; status: number; retryAfter?: number }

/** Routine sends give up after this long, so a collector that never answers cannot hold the send lock forever. */
export const TIMEOUT = 30_000

export async function post(url: string, body: string, keepalive = false): Promise<Outcome> {
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      keepalive,
      credentials: 'omit',
      signal: keepalive ? undefined : AbortSignal.timeout?.(TIMEOUT),
    })
  } catch (error) {
    // offline, refused, CORS, or a keepalive request over the quota: all look alike; a timeout says the body may be too slow to send
    return { ok: false, status: (error as Error)?.name == 'TimeoutError' ? 408 : 0 }
  }
  if (response.ok) return { ok: true, rejected: [] }
  if (response.status == 400) {
    const rejected = ((await response.json().catch(() => null)) as ErrorResponse | null)?.error?.rejected
    if (Array.isArray(rejected)) return { ok: true, rejected }
  }
  return { ok: false, status: response.status, retryAfter: retryAfter(response.headers.get('Retry-After')) }
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined
  const ms = /^\d+$/.test(value) ? +value * 1000 : Date.parse(value) - now
  return ms >= 0 ? ms : undefined
}

/** Exponential backoff with full jitter (AWS architecture blog, 2015), capped. */
export function backoff(attempt: number, base = 1000, cap = 60_000): number {
  return Math.random() * Math.min(cap, base * 2 ** attempt)
}

/** For browsers without fetch keepalive: fire and forget, same quota, no answer to read. */
export function beacon(url: string, body: string): boolean {
  try {
    return navigator.sendBeacon(url, body)
  } catch {
    return false
  }
}

export const hasKeepalive = typeof Request != 'undefined' && 'keepalive' in Request.prototype
