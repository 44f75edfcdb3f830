// Realistic data for the metrics benchmark (bench/metrics.mjs): a B2B SaaS
// product over 90 days, as the browser SDK and the widget would send it, for
// the 'saas' project of test/saas-project.json (value event 'Report
// Shared', three onboarding steps, two features, NPS/CSAT/CES surveys).
//
// Persons (about 10 events each, a long tail of power users):
// - ~12% anonymous visitors: one or two sessions of page views, never identified.
// - the rest sign up at a uniform time in the 90 days: maybe an anonymous visit
//   first (linked retroactively by the identify that follows), then identify
//   with userId and traits (plan; createdAt as a date-time for most, as a date
//   alone for some, missing for the rest); some (~8%) later use a second device,
//   which identifies too; ~30% join an account (group call with plan,
//   supportTickets, paymentsCurrent; a few send it again later).
// - sessions (context.sessionId, UUIDv7 like sdk/session.ts) of 2 to 6
//   events a few seconds to minutes apart, spaced by a per-person habit from
//   hours to a week: page views, $step / 'Teammate Invited' for onboarding,
//   'Report Shared' (activation) for about half, $feature export_csv and
//   'API Key Created', other product events, an $engagement with engagedMs at
//   the end of most sessions, and now and then a survey shown, answered (a
//   valid score), dismissed or ignored.
//
// Everything comes from one seeded PRNG, so every run loads the same events.
// generate() returns compact event records sorted by event time (the order
// they would arrive in); message() turns one into the SDK's JSON.
import saas from '../test/saas-project.json' with { type: 'json' }

export const DAY = 86_400_000
/** The data's end and the query time: a weekday afternoon, as a dashboard would ask. */
export const END = Date.UTC(2026, 10, 30, 15, 0, 0)
export const START = END - 90 * DAY
export const PROJECT = saas.id
export const READ_KEY = saas.readKey

/** The metric tests' project: value event 'Report Shared', three onboarding steps, two features, three surveys. */
export const projectConfig = saas

/** mulberry32: small, fast, seeded. */
export function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PAGES = [
  ['/dashboard', 'Dashboard'],
  ['/reports', 'Reports'],
  ['/reports/new', 'New report'],
  ['/reports/r/view', 'Report'],
  ['/integrations', 'Integrations'],
  ['/settings/team', 'Team'],
  ['/settings/api', 'API keys'],
  ['/billing', 'Billing'],
]
const MARKETING = [
  ['/', 'Acme Reports'],
  ['/pricing', 'Pricing'],
  ['/features', 'Features'],
  ['/blog/customer-health', 'Blog'],
]
const LOCALES = ['en-US', 'en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'ja-JP']
const PLANS = ['free', 'free', 'free', 'free', 'starter', 'starter', 'starter', 'pro', 'pro', 'enterprise']
const REFERRERS = ['', '', 'https://www.google.com/', 'https://news.ycombinator.com/', 'https://www.linkedin.com/']

const hex = (n, width) => n.toString(16).padStart(width, '0')

/** An ISO date-time of ms, like Date#toISOString. */
export const iso = (ms) => new Date(ms).toISOString()

/**
 * Generates events until `total` are made; returns them sorted by event time
 * and what they describe. Each event: { t, p: person, d: device, s: sessionId,
 * page: [path, title], k: 'page' | 'identify' | 'group' | track event name, a: properties or traits }.
 */
export function generate(total, seed = 1) {
  const rand = prng(seed)
  const pick = (list) => list[Math.floor(rand() * list.length)]
  const chance = (p) => rand() < p
  const between = (a, b) => a + rand() * (b - a)
  const int = (a, b) => a + Math.floor(rand() * (b - a + 1))
  const expo = (mean) => -Math.log(1 - rand()) * mean
  /** UUIDv7 at ms, random bits from the PRNG (ids of devices and sessions). */
  const uuid7 = (ms) => {
    const h = hex(Math.floor(ms), 12)
    return `${h.slice(0, 8)}-${h.slice(8)}-7${hex(Math.floor(rand() * 0x1000), 3)}-${hex(0x8000 | Math.floor(rand() * 0x4000), 4)}-${hex(Math.floor(rand() * 0x1000000), 6)}${hex(Math.floor(rand() * 0x1000000), 6)}`
  }

  const events = []
  const accounts = []
  const counts = { persons: 0, users: 0, anonymous: 0, devices: 0, sessions: 0, accounts: 0, inAccounts: 0 }
  const surveyScore = {
    nps: () => (chance(0.42) ? int(9, 10) : chance(0.55) ? int(7, 8) : int(0, 6)),
    csat: () => (chance(0.7) ? int(4, 5) : int(1, 3)),
    ces: () => (chance(0.65) ? int(5, 7) : int(1, 4)),
  }

  for (let i = 0; events.length < total; i++) {
    counts.persons++
    const person = { userId: null, locale: pick(LOCALES) }
    const newDevice = (t) => (counts.devices++, { anonymousId: uuid7(t), identifiedAt: Infinity })
    const budget = Math.min(400, Math.max(4, Math.round(expo(10.6))))
    let made = 0

    /** A session on the device from t: the events, a few seconds to minutes apart; the time it ended. */
    const session = (device, t, items) => {
      counts.sessions++
      const s = uuid7(t)
      let page = items[0]?.page ?? PAGES[0]
      for (const item of items) {
        if (t >= END || made >= budget) break
        if (item.page) page = item.page
        events.push({ t: Math.floor(t), p: person, d: device, s, page, k: item.k, a: item.a })
        made++
        item.then?.(t)
        t += item.k == 'identify' || item.k == 'group' ? between(50, 900) : between(3_000, 240_000)
      }
      return t
    }

    if (chance(0.12)) {
      // an anonymous visitor: a page or three, once or twice
      counts.anonymous++
      let t = between(START, END)
      const device = newDevice(t)
      const referrer = pick(REFERRERS)
      for (let n = int(1, 2); n > 0 && t < END; n--) {
        const items = Array.from({ length: int(1, 3) }, () => ({ k: 'page', page: pick(MARKETING), a: { referrer } }))
        if (chance(0.5)) items.push({ k: '$engagement', a: { engagedMs: int(2_000, 120_000) } })
        session(device, t, items)
        t += expo(4 * DAY)
      }
      continue
    }

    counts.users++
    const signup = between(START, END)
    const userId = `user_${100000 + i}`
    const device1 = newDevice(signup)
    const devices = [device1]
    // a visit before signing up, anonymous until the identify links it
    if (chance(0.4)) {
      const t = Math.max(START, signup - between(600_000, 7 * DAY))
      device1.anonymousId = uuid7(t)
      session(device1, t, Array.from({ length: int(1, 3) }, () => ({ k: 'page', page: pick(MARKETING), a: { referrer: pick(REFERRERS) } })))
    }

    const plan = pick(PLANS)
    const traits = { email: `${userId}@example.com`, name: `User ${i}`, plan }
    const r = rand()
    if (r < 0.7) traits.createdAt = iso(signup)
    else if (r < 0.8) traits.createdAt = iso(signup).slice(0, 10)
    const identify = (device, a) => ({ k: 'identify', a, then: (t) => (device.identifiedAt = Math.min(device.identifiedAt, t)) })

    let account = null
    if (chance(0.3)) {
      counts.inAccounts++
      if (accounts.length && chance(0.62)) account = accounts[Math.floor(accounts.length * (1 - rand() ** 2))] // recent ones more
      else {
        counts.accounts++
        account = { groupId: `acct_${accounts.length + 1}`, name: `Company ${accounts.length + 1}`, plan: pick(PLANS.slice(3)), supportTickets: Math.floor(expo(1.5)), paymentsCurrent: chance(0.93) }
        accounts.push(account)
      }
    }
    const groupCall = () => ({ k: 'group', a: { groupId: account.groupId, traits: { name: account.name, plan: account.plan, supportTickets: account.supportTickets, paymentsCurrent: account.paymentsCurrent } } })

    // what this person will do once: onboarding, activation, surveys (by session index)
    const once = new Map()
    const at = (n, item) => once.set(n, [...(once.get(n) ?? []), item])
    if (chance(0.85)) at(0, { k: '$step', page: PAGES[2], a: { step: 'create_project' } })
    if (chance(0.5)) at(int(0, 3), chance(0.8) ? { k: 'Teammate Invited', page: PAGES[5], a: { role: pick(['member', 'admin']) } } : { k: '$step', page: PAGES[5], a: { step: 'invite' } })
    const connectAt = int(0, 5)
    if (chance(0.45)) {
      at(connectAt, { k: '$step', page: PAGES[4], a: { step: 'connect', integration: pick(['slack', 'hubspot', 'salesforce', 'segment']) } })
      if (chance(0.4)) survey(connectAt, 'ces-setup', 'ces', 0.55)
    }
    if (chance(0.55)) at(Math.floor(expo(3)), { k: 'Report Shared', page: PAGES[3], a: { channel: pick(['email', 'slack', 'link']) } })
    if (chance(0.3)) survey(int(1, 5), 'nps-main', 'nps', 0.5, chance(0.06))
    if (chance(0.12)) survey(int(1, 6), 'csat-support', 'csat', 0.6)
    // the account's tickets change later: a group call with that trait alone (the others stay as they are)
    if (account && chance(0.15)) at(int(4, 15), { k: 'group', a: { groupId: account.groupId, traits: { supportTickets: Math.floor(expo(2)) } } })
    if (chance(0.1)) at(int(3, 20), identify(device1, { plan: pick(PLANS.slice(4)) }))
    function survey(n, surveyId, type, answers, twice = false) {
      at(n, { k: '$survey_shown', a: { surveyId, type } })
      if (chance(answers)) {
        at(n, { k: '$survey_response', a: { surveyId, type, score: surveyScore[type](), ...(chance(0.2) && { comment: 'Reports are great, exports could be faster.' }) } })
        if (twice) at(n + 5, { k: '$survey_response', a: { surveyId, type, score: surveyScore[type]() } })
      } else if (chance(0.6)) at(n, { k: '$survey_dismissed', a: { surveyId } })
    }

    const second = chance(0.3) ? int(1, 3) : Infinity // the session the second device starts with
    const gap = Math.exp(between(Math.log(0.15 * DAY), Math.log(7 * DAY)))
    let t = signup
    for (let n = 0; t < END && made < budget; n++) {
      let device = device1
      const items = []
      if (n == 0) {
        items.push({ k: 'page', page: ['/signup', 'Sign up'], a: {} }, identify(device1, { ...traits }))
        if (account) items.push(groupCall())
      } else if (n >= second) {
        if (n == second) {
          const device2 = newDevice(t)
          devices.push(device2)
          device = device2
          items.push({ k: 'page', page: PAGES[0], a: {} }, identify(device2, {}))
        } else if (chance(0.4)) device = devices[1]
      }
      items.push(...(once.get(n) ?? []))
      for (let k = int(2, 6) - items.length; k > 0; k--) items.push(filler())
      if (chance(0.7)) items.push({ k: '$engagement', a: { engagedMs: int(5_000, 900_000) } })
      session(device, t, items)
      t += Math.max(1_800_000, expo(gap))
    }
    person.userId = userId

    function filler() {
      const x = rand()
      if (x < 0.38) return { k: 'page', page: pick(PAGES), a: {} }
      if (x < 0.53) return { k: 'Report Created', page: PAGES[2], a: { template: pick(['funnel', 'retention', 'table']) } }
      if (x < 0.66) return { k: 'Dashboard Viewed', page: PAGES[0], a: { dashboardId: `d_${int(1, 40)}` } }
      if (x < 0.74) return { k: '$feature', page: PAGES[3], a: { feature: 'export_csv' } }
      if (x < 0.78) return { k: 'API Key Created', page: PAGES[6], a: { scope: pick(['read', 'write']) } }
      if (x < 0.84) return { k: 'Report Shared', page: PAGES[3], a: { channel: pick(['email', 'slack', 'link']) } }
      if (x < 0.9) return { k: 'Filter Applied', page: PAGES[3], a: { field: pick(['date', 'plan', 'country']) } }
      return { k: 'Search Performed', page: PAGES[1], a: { length: int(3, 20) } }
    }
  }
  events.length = Math.min(events.length, total)
  events.sort((a, b) => a.t - b.t)
  return { events, counts }
}

let messageCounter = 0
/** The message the SDK would send for the event (userId once its device identified). */
export function message(e) {
  const h = hex(e.t, 12)
  const n = messageCounter++
  const base = {
    messageId: `${h.slice(0, 8)}-${h.slice(8)}-7${hex(n & 0xfff, 3)}-a${hex((n >>> 12) & 0xfff, 3)}-${hex(n, 12)}`,
    timestamp: iso(e.t),
    anonymousId: e.d.anonymousId,
    ...(e.t >= e.d.identifiedAt || e.k == 'identify' ? { userId: e.p.userId } : {}),
  }
  const [path, title] = e.page
  const context = {
    sessionId: e.s,
    page: { url: `https://app.acme.io${path}`, path, referrer: e.a?.referrer ?? '', title },
    library: { name: 'northstar', version: '0.1.0' },
    locale: e.p.locale,
  }
  if (e.k == 'page') return { type: 'page', ...base, name: title, properties: { path, url: context.page.url, title }, context }
  if (e.k == 'identify') return { type: 'identify', ...base, traits: e.a, context }
  if (e.k == 'group') return { type: 'group', ...base, groupId: e.a.groupId, traits: e.a.traits, context }
  return { type: 'track', ...base, event: e.k, properties: e.a, context }
}
