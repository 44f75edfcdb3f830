// The customer health score per account, or per person without one, over the
// 30 days before `to` (METRICS.md): usage, engagement, support and payments,
// with the project's weights.
import type { Project } from '../config'
import type { Db } from '../db/index'
import { activeSets } from './activity'
import { keysOf } from './firsts'
import { loadPopulation, type Population } from './population'
import type { Metric, Query } from './query'
import { DAY, days } from './time'

export const BANDS = ['healthy', 'neutral', 'atRisk', 'critical'] as const
export type Band = (typeof BANDS)[number]
export const band = (score: number): Band => (score >= 80 ? 'healthy' : score >= 60 ? 'neutral' : score >= 40 ? 'atRisk' : 'critical')

export interface Subject {
  subject: string
  kind: 'account' | 'person'
  persons: string[]
}

export interface Health extends Omit<Subject, 'persons'> {
  persons: number
  score: number
  band: Band
  components: { usage: number; engagement: number; support: number; payments: number }
  activeDays: number
  featuresUsed: number
}

/** Accounts gather their persons; a person without an account is their own subject. */
export function subjects(population: Population): Subject[] {
  const accounts = new Map<string, Subject>()
  const list: Subject[] = []
  for (const person of population.persons.values()) {
    if (person.account == null) list.push({ subject: person.id, kind: 'person', persons: [person.id] })
    else {
      const account = accounts.get(person.account)
      if (account) account.persons.push(person.id)
      else accounts.set(person.account, { subject: person.account, kind: 'account', persons: [person.id] })
    }
  }
  return [...accounts.values(), ...list]
}

/** Per subject, the local days of [from, to) on which any of its persons was active. */
export async function activeDays(db: Db, query: Query, population: Population, list: Subject[], from: number, to: number): Promise<Map<Subject, number>> {
  const sets = await activeSets(db, query.project.id, population, [''], days(from, to, query.tz))
  const subjectOf = new Map<string, Subject>()
  for (const s of list) for (const p of s.persons) subjectOf.set(p, s)
  const count = new Map(list.map((s) => [s, 0]))
  const counted = new Map<Subject, number>() // the last day counted per subject
  sets.forEach((set, day) => {
    for (const person of set) {
      const subject = subjectOf.get(person)
      if (subject && counted.get(subject) !== day) {
        counted.set(subject, day)
        count.set(subject, count.get(subject)! + 1)
      }
    }
  })
  return count
}

/** Every subject's health at `to`. */
export async function healthScores(db: Db, query: Query): Promise<Health[]> {
  const { weights } = query.project.health
  const population = await loadPopulation(db, query, ['supportTickets', 'paymentsCurrent'], query.to)
  const list = subjects(population)
  const from = query.to - 30 * DAY
  const active = await activeDays(db, query, population, list, from, query.to)
  const features = query.project.features
  const used = await Promise.all(features.map(async (f) => (await activeSets(db, query.project.id, population, keysOf('f', f), [[from, query.to]]))[0]!))

  return list.map((s) => {
    const person = population.persons.get(s.persons[0]!)!
    const traits = s.kind == 'account' ? person.accountTraits : person.traits
    const tickets = traits.supportTickets == null ? 0 : Number(traits.supportTickets)
    const activeDays = active.get(s)!
    const featuresUsed = used.filter((users) => s.persons.some((p) => users.has(p))).length // features are few
    const components = {
      usage: activeDays / 30 > 0.5 ? weights.usage : activeDays / 30 > 0.2 ? weights.usage / 2 : 0,
      engagement: features.length ? (featuresUsed / features.length) * weights.engagement : 0,
      support: tickets < 2 ? weights.support : tickets < 5 ? weights.support / 2 : 0,
      payments: traits.paymentsCurrent === undefined || traits.paymentsCurrent === true ? weights.payments : 0,
    }
    const score = components.usage + components.engagement + components.support + components.payments
    return { subject: s.subject, kind: s.kind, persons: s.persons.length, score, band: band(score), components, activeDays, featuresUsed }
  })
}

export const health: Metric<{ weights: Project['health']['weights']; subjects: number; bands: Record<Band, number>; worst: Health[] }> = async (db, query) => {
  const scores = await healthScores(db, query)
  const bands = Object.fromEntries(BANDS.map((b) => [b, 0])) as Record<Band, number>
  for (const s of scores) bands[s.band]++
  return { weights: query.project.health.weights, subjects: scores.length, bands, worst: smallest(scores, query.limit ?? 100, (a, b) => a.score - b.score || (a.subject < b.subject ? -1 : 1)) }
}

/** The k smallest items in order, without sorting them all: the worst 100 of 100,000 subjects. */
export function smallest<T>(items: T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (items.length <= k) return [...items].sort(compare)
  const best: T[] = []
  for (const item of items) {
    if (best.length == k && compare(item, best[k - 1]!) >= 0) continue
    let lo = 0
    for (let hi = best.length; lo < hi; ) {
      const mid = (lo + hi) >> 1
      if (compare(best[mid]!, item) <= 0) lo = mid + 1
      else hi = mid
    }
    best.splice(lo, 0, item)
    if (best.length > k) best.pop()
  }
  return best
}
