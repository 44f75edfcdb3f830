// The customer health score per account, or per person without one, over the
// 30 days before `to` (METRICS.md): usage, engagement, support and payments,
// with the project's weights.
import type { Project } from '../config'
import type { Db } from '../db/index'
import { numbered } from '../db/people'
import { chunks } from '../db/rows'
import { activeLists } from './activity'
import { readColumns } from './columns'
import { keysOf } from './firsts'
import { everyone, loadPopulation, places, type Persons, type Population } from './population'
import type { Metric, Query } from './query'
import { DAY, days } from './time'

export const BANDS = ['healthy', 'neutral', 'atRisk', 'critical'] as const
export type Band = (typeof BANDS)[number]
export const band = (score: number): Band => (score >= 80 ? 'healthy' : score >= 60 ? 'neutral' : score >= 40 ? 'atRisk' : 'critical')

export interface Health {
  /** The account, or the person's id. */
  subject: string
  kind: 'account' | 'person'
  persons: number
  score: number
  band: Band
  components: { usage: number; engagement: number; support: number; payments: number }
  activeDays: number
  featuresUsed: number
}

/**
 * The subjects of a population, by position: accounts gather their persons; a person without an account is
 * their own subject. As typed arrays, not an object each: 86,000 subjects at 1M events.
 */
export interface Subjects {
  count: number
  /** The population place of its first person: whose account names it, and whose traits (a person's) or account traits (an account's) are the subject's. */
  first: Int32Array
  /** How many persons it gathers. */
  size: Int32Array
  /** A person's subject, by the person's number. */
  of(pid: number): number | undefined
  kind(i: number): Health['kind']
  /** The account, or the person's id once named (nameSubjects). */
  name(i: number): string | undefined
  /** The ids of the person subjects named so far, by position. */
  ids: Map<number, string>
}

export function subjects(population: Population): Subjects {
  const accounts = new Map<string, number>() // positions
  const first = new Int32Array(population.pid.length)
  const size = new Int32Array(population.pid.length)
  const by = new Int32Array(population.pid.length) // the subject by place
  let count = 0
  population.account.forEach((account, place) => {
    let i = account == null ? undefined : accounts.get(account)
    if (i === undefined) {
      first[(i = count++)] = place
      if (account != null) accounts.set(account, i)
    }
    size[i]!++
    by[place] = i
  })
  const place = places(population.pid)
  const ids = new Map<number, string>()
  return {
    count,
    first,
    size,
    of: (pid) => {
      const p = place(pid)
      return p === undefined ? undefined : by[p]
    },
    kind: (i) => (population.account[first[i]!] == null ? 'person' : 'account'),
    name: (i) => population.account[first[i]!] ?? ids.get(i),
    ids,
  }
}

/**
 * Names the person subjects among those at the positions: their persons' ids, looked up by number where
 * few are asked, else all read (~0.2 µs a person; a lookup ~1 µs). Read for every subject, the ids of
 * the 100,000 persons at 1M events took 23 ms (bench/metrics.mjs); the worst 100 rarely need any.
 */
export async function nameSubjects(db: Db, query: Query, population: Population, subjects: Subjects, positions: number[]) {
  const unnamed = positions.filter((i) => subjects.name(i) === undefined)
  const pids = unnamed.map((i) => population.pid[subjects.first[i]!]!)
  const project = query.project.id
  const ids = new Map<number, string>()
  const few = pids.length * 4 < population.pid.length
  for (const rows of few ? chunks(pids).map((chunk) => numbered(db.kysely, db.dialect, project, chunk)) : [db.kysely.selectFrom('persons').where('project_id', '=', project)]) {
    const { pid, person } = await readColumns(db, rows.select(['pid', 'person']), ['pid', 'person'])
    pid.forEach((p, i) => ids.set(p, person[i]!))
  }
  unnamed.forEach((i, n) => subjects.ids.set(i, ids.get(pids[n]!)!))
}

/** Whom activity may count: with no segment everyone, as anyone active before `to` was seen before it (no lookup per row). */
const counting = (query: Query, population: Population): Persons => (query.segments.length ? population : everyone)

/** Per subject (by position), for each of the lists of persons, how many of them hold any of its persons. */
function countLists({ count: subjects, of }: Subjects, lists: number[][]): Uint16Array {
  const count = new Uint16Array(subjects)
  const last = new Int32Array(subjects).fill(-1) // the last list counted per subject
  lists.forEach((list, n) => {
    for (const pid of list) {
      const i = of(pid)
      if (i === undefined || last[i] == n) continue
      last[i] = n
      count[i]!++
    }
  })
  return count
}

/**
 * Per subject (by position), how many local days of [from, to) any of its persons was active on: at most as
 * many as the window has days. A window that does not start at a local midnight cuts a day at each end; the
 * two pieces make one day between them (else the 30 days before a `to` of 12:00 would count 31).
 */
export async function activeDays(db: Db, query: Query, population: Population, subjects: Subjects, from: number, to: number): Promise<Uint16Array> {
  const lists = await activeLists(db, query.project.id, counting(query, population), [''], days(from, to, query.tz))
  if (lists.length > Math.round((to - from) / DAY)) lists.push([...lists.shift()!, ...lists.pop()!])
  return countLists(subjects, lists)
}

/** Per subject (by position), how many of the project's features any of its persons used in [from, to). */
async function featuresUsed(db: Db, query: Query, population: Population, subjects: Subjects, from: number, to: number): Promise<Uint16Array> {
  const users = await Promise.all(query.project.features.map(async (f) => (await activeLists(db, query.project.id, counting(query, population), keysOf('f', f), [[from, to]]))[0]!))
  return countLists(subjects, users)
}

export interface Scores {
  subjects: number
  bands: Record<Band, number>
  /** The worst first; by subject where scores are equal. */
  worst: Health[]
}

/**
 * The health of the subjects at `to`: how many there are, per band, and the `limit` worst (all without one).
 * Every subject is scored, but a Health is made, and a person subject named, only for the worst: 86,000
 * subjects at 1M events, of which a page shows 100.
 */
export async function healthScores(db: Db, query: Query, limit = Infinity): Promise<Scores> {
  const { weights } = query.project.health
  const population = await loadPopulation(db, query, ['supportTickets', 'paymentsCurrent'], query.to)
  const all = subjects(population)
  const from = query.to - 30 * DAY
  const [active, used] = await Promise.all([activeDays(db, query, population, all, from, query.to), featuresUsed(db, query, population, all, from, query.to)])
  const features = query.project.features.length

  const components = (i: number) => {
    const traits = (all.kind(i) == 'account' ? population.accountTraits : population.traits)(all.first[i]!)
    const tickets = traits.supportTickets == null ? 0 : Number(traits.supportTickets)
    return {
      usage: active[i]! / 30 > 0.5 ? weights.usage : active[i]! / 30 > 0.2 ? weights.usage / 2 : 0,
      engagement: features ? (used[i]! / features) * weights.engagement : 0,
      support: tickets < 2 ? weights.support : tickets < 5 ? weights.support / 2 : 0,
      payments: traits.paymentsCurrent === undefined || traits.paymentsCurrent === true ? weights.payments : 0,
    }
  }
  const score = new Float64Array(all.count)
  const bands = Object.fromEntries(BANDS.map((b) => [b, 0])) as Record<Band, number>
  for (let i = 0; i < score.length; i++) {
    const c = components(i)
    score[i] = c.usage + c.engagement + c.support + c.payments
    bands[band(score[i]!)]++
  }

  // the worst k are among those that score at most the k-th smallest score; names order the equal ones
  const k = Math.min(limit, score.length)
  const cut = k == score.length ? Infinity : smallest(score, k, (a, b) => a - b)[k - 1]!
  const candidates: number[] = []
  for (let i = 0; i < score.length; i++) if (score[i]! <= cut) candidates.push(i)
  await nameSubjects(db, query, population, all, candidates)
  const worse = (i: number, j: number) => score[i]! - score[j]! || (all.name(i)! < all.name(j)! ? -1 : 1)
  return {
    subjects: score.length,
    bands,
    worst: smallest(candidates, k, worse).map((i) => ({
      subject: all.name(i)!,
      kind: all.kind(i),
      persons: all.size[i]!,
      score: score[i]!,
      band: band(score[i]!),
      components: components(i),
      activeDays: active[i]!,
      featuresUsed: used[i]!,
    })),
  }
}

export const health: Metric<Scores & { weights: Project['health']['weights'] }> = async (db, query) => ({
  weights: query.project.health.weights,
  ...(await healthScores(db, query, query.limit ?? 100)),
})

/** The k smallest items in order, without sorting them all: the worst 100 of 100,000 subjects. */
export function smallest<T>(items: ArrayLike<T> & Iterable<T>, k: number, compare: (a: T, b: T) => number): T[] {
  if (items.length <= k) return Array.from(items).sort(compare)
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
