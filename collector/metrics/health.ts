// The customer health score per account, or per person without one, over the
// 30 days before `to` (METRICS.md): usage, engagement, support and payments,
// with the project's weights.
import type { Project } from '../config'
import type { Db } from '../db/index'
import { activeSets } from './activity'
import { keysOf } from './firsts'
import { everyone, loadPopulation, type Person, type Persons, type Population } from './population'
import type { Metric, Query } from './query'
import { DAY, days } from './time'

export const BANDS = ['healthy', 'neutral', 'atRisk', 'critical'] as const
export type Band = (typeof BANDS)[number]
export const band = (score: number): Band => (score >= 80 ? 'healthy' : score >= 60 ? 'neutral' : score >= 40 ? 'atRisk' : 'critical')

export interface Subject {
  subject: string
  kind: 'account' | 'person'
  persons: Person[]
}

export interface Health extends Omit<Subject, 'persons'> {
  persons: number
  score: number
  band: Band
  components: { usage: number; engagement: number; support: number; payments: number }
  activeDays: number
  featuresUsed: number
}

/** The subjects of a population, and the position of each person's subject in the list, by the person's index. */
export interface Subjects {
  list: Subject[]
  of: Int32Array
}

/** Accounts gather their persons; a person without an account is their own subject. */
export function subjects(population: Population): Subjects {
  const accounts = new Map<string, number>() // positions in the list
  const list: Subject[] = []
  const of = new Int32Array(population.persons.size)
  for (const person of population.persons.values()) {
    let i = person.account == null ? undefined : accounts.get(person.account)
    if (i === undefined) {
      i = list.length
      list.push(person.account == null ? { subject: person.id, kind: 'person', persons: [] } : { subject: person.account, kind: 'account', persons: [] })
      if (person.account != null) accounts.set(person.account, i)
    }
    list[i]!.persons.push(person)
    of[person.index] = i
  }
  return { list, of }
}

/** Whom activity may count: with no segment everyone, as anyone active before `to` was seen before it (no lookup per row). */
const counting = (query: Query, population: Population): Persons => (query.segments.length ? population : everyone)

/** Per subject (by position), for each of the person sets, how many of them hold any of its persons. */
function countSets(population: Population, { list, of }: Subjects, sets: Set<number>[]): Uint16Array {
  const count = new Uint16Array(list.length)
  const last = new Int32Array(list.length).fill(-1) // the last set counted per subject
  sets.forEach((set, n) => {
    for (const pid of set) {
      const person = population.persons.get(pid)
      if (!person) continue
      const i = of[person.index]!
      if (last[i] != n) {
        last[i] = n
        count[i]!++
      }
    }
  })
  return count
}

/** Per subject (by position), how many local days of [from, to) any of its persons was active on. */
export async function activeDays(db: Db, query: Query, population: Population, subjects: Subjects, from: number, to: number): Promise<Uint16Array> {
  return countSets(population, subjects, await activeSets(db, query.project.id, counting(query, population), [''], days(from, to, query.tz)))
}

/** Per subject (by position), how many of the project's features any of its persons used in [from, to). */
async function featuresUsed(db: Db, query: Query, population: Population, subjects: Subjects, from: number, to: number): Promise<Uint16Array> {
  const users = await Promise.all(query.project.features.map(async (f) => (await activeSets(db, query.project.id, counting(query, population), keysOf('f', f), [[from, to]]))[0]!))
  return countSets(population, subjects, users)
}

/** Every subject's health at `to`. */
export async function healthScores(db: Db, query: Query): Promise<Health[]> {
  const { weights } = query.project.health
  const population = await loadPopulation(db, query, ['supportTickets', 'paymentsCurrent'], query.to)
  const all = subjects(population)
  const from = query.to - 30 * DAY
  const [active, used] = await Promise.all([activeDays(db, query, population, all, from, query.to), featuresUsed(db, query, population, all, from, query.to)])
  const features = query.project.features.length

  return all.list.map((s, i) => {
    const person = s.persons[0]!
    const traits = s.kind == 'account' ? person.accountTraits : person.traits
    const tickets = traits.supportTickets == null ? 0 : Number(traits.supportTickets)
    const activeDays = active[i]!
    const featuresUsed = used[i]!
    const components = {
      usage: activeDays / 30 > 0.5 ? weights.usage : activeDays / 30 > 0.2 ? weights.usage / 2 : 0,
      engagement: features ? (featuresUsed / features) * weights.engagement : 0,
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
