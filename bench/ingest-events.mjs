// Realistic traffic for the ingestion benchmark, shaped like the browser SDK's
// (sdk/track.ts): UUIDv7 message ids, several thousand actors (anonymous, most
// of them also identified), each with a session, page context, library and
// locale; a mix of page views, product events, $step / $feature / $engagement
// and identify calls with traits (and the odd group call).
//
// A request body is built once as a template; its message ids and timestamps
// are fixed-width placeholders overwritten in place for every request, so the
// load generator spends its CPU on sockets, not on JSON.stringify.
import { randomBytes } from 'node:crypto'

export const WRITE_KEY = 'wk_bench'
export const PROJECT = 'bench'
export const ACTORS = 5000
export const BATCH = 20

const ID = '"@@@@@@@@-@@@@-@@@@-@@@@-@@@@@@@@@@@@"'
const TIME = '"~~~~~~~~~~~~~~~~~~~~~~~~"' // 24 characters, like 2026-11-22T12:00:00.000Z
const SENT = '"^^^^^^^^^^^^^^^^^^^^^^^^"'
const unquote = (s) => s.slice(1, -1)

/** A small seeded PRNG (mulberry32): the same traffic on every run. */
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** UUIDv7 (RFC 9562): 48 bits of Unix ms, a per-process random part, then a counter, so ids are unique and ascending. */
export function uuidv7Factory() {
  const rnd = randomBytes(4).toString('hex')
  let counter = 0
  let lastMs = -1
  let hi = ''
  return (ms = Date.now()) => {
    if (ms != lastMs) {
      lastMs = ms
      const h = ms.toString(16).padStart(12, '0')
      hi = `${h.slice(0, 8)}-${h.slice(8, 12)}-7${rnd.slice(0, 3)}-a${rnd.slice(3, 6)}-`
    }
    return hi + (counter++).toString(16).padStart(12, '0')
  }
}

const pages = [
  ['/dashboard', 'Dashboard'],
  ['/reports', 'Reports'],
  ['/reports/new', 'New report'],
  ['/integrations', 'Integrations'],
  ['/settings/team', 'Team'],
  ['/settings/api', 'API keys'],
]
const steps = ['create_project', 'connect_integration', 'invite_teammate', 'first_report']
const features = ['export_csv', 'api_access', 'scheduled_reports', 'sso', 'dark_mode']

/** The bench's project in northstar.config.json: its onboarding, features and value event are those of the traffic. */
export const PROJECT_CONFIG = {
  id: PROJECT,
  name: 'Bench',
  writeKey: WRITE_KEY,
  readKey: 'rk_bench',
  allowedOrigins: ['http://localhost:8787'],
  activation: { valueEvent: 'Report Shared' },
  onboarding: { steps: steps.map((id) => ({ id, name: id })) },
  features: features.map((id) => ({ id, name: id })),
}
const plans = ['free', 'starter', 'pro', 'enterprise']
const locales = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'ja-JP']

function actors(rand) {
  const id = uuidv7Factory()
  const start = Date.UTC(2026, 0, 1)
  return Array.from({ length: ACTORS }, (_, i) => ({
    anonymousId: id(start + Math.floor(rand() * 3e10)),
    userId: rand() < 0.7 ? `u_${10000 + i}` : undefined,
    sessionId: id(start + Math.floor(rand() * 3e10)),
    locale: locales[Math.floor(rand() * locales.length)],
    plan: plans[Math.floor(rand() * plans.length)],
    account: `acct_${Math.floor(i / 8)}`,
  }))
}

/** One message of this actor, SDK-shaped, with placeholders for messageId and timestamp. */
function message(rand, a, allow = { identify: true, page: true, group: true }) {
  const pick = (list) => list[Math.floor(rand() * list.length)]
  const [path, title] = pick(pages)
  const base = {
    messageId: unquote(ID),
    timestamp: unquote(TIME),
    anonymousId: a.anonymousId,
    ...(a.userId && { userId: a.userId }),
  }
  const context = {
    sessionId: a.sessionId,
    page: { url: `https://acme.io${path}`, path, referrer: '', title },
    library: { name: 'northstar', version: '0.1.0' },
    locale: a.locale,
  }
  const r = rand()
  if (allow.identify && a.userId && r < 0.05)
    return {
      type: 'identify',
      ...base,
      traits: { email: `${a.userId}@example.com`, name: `User ${a.userId.slice(2)}`, plan: a.plan, createdAt: '2026-03-04T10:00:00.000Z' },
      context,
    }
  if (allow.group && a.userId && r < 0.06)
    return { type: 'group', ...base, groupId: a.account, traits: { name: `Account ${a.account.slice(5)}`, plan: a.plan, seats: 1 + Math.floor(rand() * 50) }, context }
  if (allow.page && r < 0.25) return { type: 'page', ...base, name: title, properties: { path }, context }
  const track = (event, properties) => ({ type: 'track', ...base, event, properties, context })
  if (r < 0.4) return track('$step', { step: pick(steps) })
  if (r < 0.55) return track('$feature', { feature: pick(features) })
  if (r < 0.65) return track('$engagement', { engagedMs: Math.floor(rand() * 60000) })
  if (r < 0.8) return track('Report Created', { reportId: `r_${Math.floor(rand() * 1e6)}`, template: pick(['funnel', 'retention', 'table']) })
  if (r < 0.9) return track('Dashboard Viewed', { dashboardId: `d_${Math.floor(rand() * 1e4)}` })
  if (r < 0.95) return track('Report Shared', { channel: pick(['email', 'slack', 'link']) })
  return track(pick(['Integration Connected', 'API Key Created']), { source: 'settings' })
}

/** A request body as a buffer with the byte offsets of its placeholders. */
function template(json) {
  const buf = Buffer.from(json)
  const find = (needle) => {
    const at = []
    for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) at.push(i + 1)
    return at
  }
  return { buf, ids: find(ID), times: find(TIME), sent: find(SENT) }
}

/**
 * Request templates. kind 'batch': POST /v1/batch, one actor's batch of BATCH messages
 * (as the browser SDK sends them); kind 'single': POST /v1/track with one track message.
 */
export function templates(kind, seed = 1) {
  const rand = prng(seed)
  const people = actors(rand)
  if (kind == 'batch')
    return people.map((a) =>
      template(JSON.stringify({ writeKey: WRITE_KEY, sentAt: unquote(SENT), batch: Array.from({ length: BATCH }, () => message(rand, a)) })),
    )
  return people.flatMap((a) =>
    Array.from({ length: 4 }, () => {
      const { type: _, ...m } = message(rand, a, {})
      return template(JSON.stringify({ writeKey: WRITE_KEY, ...m }))
    }),
  )
}

/** toISOString, cheaper: the minute's prefix is cached. */
function isoFormatter() {
  const prefixes = new Map()
  return (ms) => {
    const minute = Math.floor(ms / 60000)
    let prefix = prefixes.get(minute)
    if (!prefix) {
      if (prefixes.size > 4) prefixes.clear()
      prefixes.set(minute, (prefix = new Date(minute * 60000).toISOString().slice(0, 17)))
    }
    const rest = ms - minute * 60000
    const s = Math.floor(rest / 1000)
    const m = rest % 1000
    return `${prefix}${s < 10 ? '0' : ''}${s}.${m < 10 ? '00' : m < 100 ? '0' : ''}${m}Z`
  }
}

/**
 * Fills the template into `out` at `at` (a buffer reused by the caller: fresh allocations
 * of 10 KB cost more than the rest): fresh UUIDv7 ids, timestamps 250 ms apart ending now,
 * sentAt now. Returns the end offset.
 */
export function filler() {
  const uuid = uuidv7Factory()
  const iso = isoFormatter()
  return (t, out = Buffer.allocUnsafe(t.buf.length), at = 0) => {
    t.buf.copy(out, at)
    const now = Date.now()
    for (const i of t.ids) out.latin1Write(uuid(now), at + i, 36)
    const n = t.times.length
    for (let i = 0; i < n; i++) out.latin1Write(iso(now - (n - 1 - i) * 250), at + t.times[i], 24)
    for (const i of t.sent) out.latin1Write(iso(now), at + i, 24)
    return at + t.buf.length
  }
}
