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
  const bySubject = new Map<string, Subject>()
  for (const person of population.persons.values()) {
    const key = person.account == null ? `person\u0000${person.id}` : `account\u0000${person.account}`
    const subject = bySubject.get(key)
    if (subject) subject.persons.push(person.id)
    else bySubject.set(key, { subject: person.account ?? person.id, kind: person.account == null ? 'person' : 'account', persons: [person.id] })
  }
  return [...bySubject.values()]
}

/** Per subject, the local days of [from, to) on which any of its persons was active. */
export async function activeDays(db: Db, query: Query, population: Population, list: Subject[], from: number, to: number): Promise<Map<Subject, number>> {
  const sets = await activeSets(db, query.project.id, population, [''], days(from, to, query.tz))
  const subjectOf = new Map(list.flatMap((s) => s.persons.map((p) => [p, s] as const)))
  const count = new Map(list.map((s) => [s, 0]))
  for (const set of sets) {
    const seen = new Set<Subject>()
    for (const person of set) {
      const subject = subjectOf.get(person)
      if (subject && !seen.has(subject)) {
        seen.add(subject)
        count.set(subject, count.get(subject)! + 1)
      }
    }
  }
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
  const bands = Object.fromEntries(BANDS.map((b) => [b, scores.filter((s) => s.band == b).length])) as Record<Band, number>
  scores.sort((a, b) => a.score - b.score || (a.subject < b.subject ? -1 : 1))
  return { weights: query.project.health.weights, subjects: scores.length, bands, worst: scores.slice(0, query.limit ?? 100) }
}
