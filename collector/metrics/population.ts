// Persons, as METRICS.md defines them: an anonymous actor belongs to the userId
// of its latest link, so linking is retroactive and one userId gathers all its
// devices. Their signup, account and traits (merged key by key across devices)
// come from the per-person state (db/people.ts); the segment filter is resolved
// here.
import { sql, type SelectQueryBuilder } from 'kysely'
import type { Db } from '../db/index'
import type { TraitsTable } from '../db/schema'
import { readColumns } from './columns'
import type { Query } from './query'

/** Who counts: whether the segments keep a person. */
export interface Persons {
  /** By the person's number. */
  has(pid: number): boolean
}

/**
 * The persons that pass the segment filter, as columns in one order: a person's figures are at its place
 * in every array. As columns, not an object each: health reads 100,000 persons at 1M events.
 */
export interface Population extends Persons {
  /** Their numbers (persons.pid): what activity, firsts and sessions name them by. */
  pid: number[]
  /** The groupId of the latest group call, or null. */
  account: (string | null)[]
  /** The traits asked for of the person at a place (merged across devices, latest call wins), parsed. */
  traits(place: number): Record<string, unknown>
  /** The traits asked for of the account of the person at a place. */
  accountTraits(place: number): Record<string, unknown>
}

/** The traits of whoever has none: one object, not one each. */
const NONE: Record<string, unknown> = Object.freeze({})

/** The person of an actor: `u:<userId>` once linked, else the actor itself. */
export const personId = (actor: string, userId: string | null) => (userId == null ? actor : `u:${userId}`)

/**
 * The number of the person of an actor joined as `a`: a lookup per row, not a join. Joined, SQLite once
 * started a month's survey answers from all of a project's persons (on an approximate ANALYZE's statistics,
 * 2.3 s at 1M events); and PostgreSQL's satisfaction, which joined it, went from 25 to 40 ms (p95, bench/metrics.mjs).
 */
export const personNumber = sql<number>`(select p.pid from persons p where p.project_id = a.project_id and p.person = a.person)`

/**
 * The traits table as `t`, read on SQLite through traits_value (migration 010) whatever the statistics say. Those of
 * `pragma optimize` (analysis_limit 1000) rate the table's key as good: on a freshly loaded 1M-event file
 * (bench/metrics.mjs), SQLite read all 320,000 person traits through it to find two keys that no person had (37 ms).
 */
const traitsOfKeys = (db: Db) => sql<TraitsTable>`traits`.as<'t'>(db.dialect == 'sqlite' ? sql`t indexed by traits_value` : sql`t`)

/** A row's `key` as its position among the keys: a number in the JSON read back, not the key's text each row. */
const keyPosition = (keys: string[]) => sql<number>`case ${sql.ref('key')} ${sql.join(keys.map((key, n) => sql`when ${key} then ${sql.lit(n)}`), sql` `)} end`

/** Everyone: with no segment, nobody needs loading. */
export const everyone: Persons = { has: () => true }

/** The persons a windowed metric counts: everyone, or those the segments keep. */
export const segmentOf = async (db: Db, query: Query): Promise<Persons> => {
  if (!query.segments.length) return everyone
  const kept = await segmentNumbers(db, query)
  return { has: (pid) => kept.has(pid) }
}

/**
 * The numbers of the persons that all the query's segments keep. A segment `trait:value` keeps a person
 * whose trait is the value, or who has no such trait and whose account's is; compared as text (a string
 * as it is, any other value as JSON). The database finds them, through person_traits and the account
 * traits of the value: at 1M events (bench/metrics.mjs, plan:pro), reading every person's trait and
 * account to compare them here took ~100 ms.
 */
async function segmentNumbers(db: Db, query: Query): Promise<Set<number>> {
  const project = query.project.id
  let kept: Set<number> | undefined
  for (const { trait, value } of query.segments) {
    // a stored value is JSON: the value's, as a string, or the value itself, when it is not a string's (as IN, so
    // that SQLite reads its index alone: an OR of the two looked every match up in the table, 18 ms against 4 for plan:pro)
    const is = (column: string) => sql<boolean>`${sql.ref(column)} in (${JSON.stringify(value)}, ${value}) and (${sql.ref(column)} = ${JSON.stringify(value)} or substr(${sql.ref(column)}, 1, 1) <> '"')`
    const [own, byAccount] = await Promise.all([
      readColumns(db, db.kysely.selectFrom('person_traits').select('pid').where('project_id', '=', project).where('key', '=', trait).where(is('value')), ['pid']),
      readColumns(
        db,
        db.kysely
          .selectFrom('persons as p')
          .select('p.pid')
          .where('p.project_id', '=', project)
          .where('p.account', 'in', (eb) =>
            eb.selectFrom(traitsOfKeys(db)).select('t.subject').where('t.project_id', '=', project).where('t.kind', '=', 'account').where('t.key', '=', trait).where(is('t.value')),
          )
          .where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom('person_traits as o').select('o.pid').whereRef('o.project_id', '=', 'p.project_id').whereRef('o.pid', '=', 'p.pid').where('o.key', '=', trait))),
          ),
        ['pid'],
      ),
    ])
    const pids = new Set([...own.pid, ...byAccount.pid])
    kept = kept ? new Set([...kept].filter((pid) => pids.has(pid))) : pids
  }
  return kept ?? new Set()
}

/**
 * The persons of the project (those seen before `seenBefore`, when given) that pass the
 * query's segments, from the per-person state, with the traits named (merged across
 * their devices key by key) and their account's.
 */
export async function loadPopulation(db: Db, query: Query, traitKeys: string[] = [], seenBefore?: number): Promise<Population> {
  const project = query.project.id
  // read from persons_first alone on SQLite (migration 011)
  let rows = db.kysely.selectFrom('persons').select(['pid', 'account']).where('project_id', '=', project)
  if (seenBefore != null) rows = rows.where('first_time', '<', seenBefore)
  const key = keyPosition(traitKeys)
  const [list, personTraits, accountTraits, kept] = await Promise.all([
    readColumns(db, rows, ['pid', 'account']),
    traitKeys.length
      ? readColumns(db, db.kysely.selectFrom('person_traits').select(['pid', key.as('key'), 'value']).where('project_id', '=', project).where('key', 'in', traitKeys), ['pid', 'key', 'value'])
      : null,
    traitKeys.length
      ? readColumns(
          db,
          db.kysely.selectFrom(traitsOfKeys(db)).select(['t.subject', key.as('key'), 't.value']).where('t.project_id', '=', project).where('t.kind', '=', 'account').where('t.key', 'in', traitKeys),
          ['subject', 'key', 'value'],
        )
      : null,
    query.segments.length ? segmentNumbers(db, query) : null,
  ])
  const accounts = new Map<string, Record<string, unknown>>()
  accountTraits?.subject.forEach((subject, i) => {
    let record = accounts.get(subject)
    if (!record) accounts.set(subject, (record = {}))
    record[traitKeys[accountTraits.key[i]!]!] = JSON.parse(accountTraits.value[i]!)
  })
  const merged = new Map<number, Record<string, unknown>>()
  personTraits?.pid.forEach((pid, i) => {
    let record = merged.get(pid)
    if (!record) merged.set(pid, (record = {}))
    record[traitKeys[personTraits.key[i]!]!] = JSON.parse(personTraits.value[i]!)
  })
  const at = kept ? list.pid.flatMap((pid, i) => (kept.has(pid) ? [i] : [])) : null // the kept persons' places in the list
  const pid = at ? at.map((i) => list.pid[i]!) : list.pid
  const account = at ? at.map((i) => list.account[i]!) : list.account
  return {
    pid,
    account,
    traits: (place) => merged.get(pid[place]!) ?? NONE,
    accountTraits: (place) => (account[place] != null && accounts.get(account[place]!)) || NONE,
    has: kept ? (p) => kept.has(p) : () => true, // no segment keeps everyone
  }
}

/** The persons of a signup cohort, as columns in one order. */
export interface Cohort {
  pid: number[]
  /** createdAt when it is an ISO 8601 string, else the first event's time. */
  signup: number[]
  /** Per set of keys asked, per person, the earliest time of any of its keys (Infinity: never). */
  firsts: Float64Array[]
}

/**
 * The persons who signed up in [from, to) and pass the segments, found through the persons table's
 * signup index, each with the earliest time of each set of keys (db/ingest.ts firstKeys). As columns:
 * 33,000 persons at 1M events (bench/metrics.mjs), an object and an array each cost onboarding ~10 ms.
 */
export async function loadCohort(db: Db, query: Query, keySets: string[][] = []): Promise<Cohort> {
  const cohort = db.kysely
    .selectFrom('persons as p')
    .where('p.project_id', '=', query.project.id)
    .where('p.signup_time', '>=', query.from)
    .where('p.signup_time', '<', query.to)
  const [population, members] = await Promise.all([segmentOf(db, query), readColumns(db, cohort.select(['p.pid', 'p.signup_time']), ['pid', 'signup_time'])])
  const at = population == everyone ? null : members.pid.flatMap((pid, i) => (population.has(pid) ? [i] : [])) // the kept members' places
  const pid = at ? at.map((i) => members.pid[i]!) : members.pid
  const signup = at ? at.map((i) => members.signup_time[i]!) : members.signup_time
  const firsts = keySets.map(() => new Float64Array(pid.length).fill(Infinity))
  const keys = [...new Set(keySets.flat())]
  if (keys.length && pid.length) {
    const rows = await readFirsts(db, query.project.id, keys, pid, cohort.select('p.pid'))
    const place = places(pid)
    const sets = keys.map((key) => keySets.flatMap((set, i) => (set.includes(key) ? [i] : []))) // by the key's position
    rows.pid.forEach((p, row) => {
      const i = place(p)
      if (i === undefined) return // in the range of numbers, not in the cohort
      const time = rows.time[row]!
      for (const set of sets[rows.key[row]!]!) if (time < firsts[set]![i]!) firsts[set]![i] = time
    })
  }
  return { pid, signup, firsts }
}

/**
 * The first times of the keys (each row naming its key by position) of the persons `pids`, with some of
 * other persons. Where the numbers are dense (a signup cohort's mostly are: they follow first sight), each
 * key's range of them is read through firsts_key: at 1M events (bench/metrics.mjs, onboarding's 33,000
 * signups and 4 keys), 11 ms for 45,000 rows, where looking each person's keys up took 58. Where they are
 * not (signups imported with an old createdAt, or PostgreSQL's spent numbers), each person's are looked up.
 */
function readFirsts(db: Db, project: string, keys: string[], pids: number[], persons: SelectQueryBuilder<any, any, { pid: number }>) {
  const { min, max, dense } = extent([pids])
  const firsts = db.kysely.selectFrom('firsts').select(['pid', keyPosition(keys).as('key'), 'time']).where('project_id', '=', project).where('key', 'in', keys)
  return readColumns(db, dense ? firsts.where('pid', '>=', min).where('pid', '<=', max) : firsts.where('pid', 'in', persons), ['pid', 'key', 'time'])
}

/**
 * A number's place among the numbers, by number: an array over their range where they are dense (SQLite's
 * rowids), else a Map (PostgreSQL's identity spends a number on every upsert, also one that updates). At 1M
 * events (bench/metrics.mjs), a Map of the 100,000 persons took 17 ms to fill.
 */
export function places(pids: number[]): (pid: number) => number | undefined {
  const { min, max, dense } = extent([pids])
  if (!dense) {
    const map = new Map(pids.map((pid, place) => [pid, place]))
    return (pid) => map.get(pid)
  }
  const array = new Int32Array(max - min + 1).fill(-1)
  pids.forEach((pid, place) => (array[pid - min] = place))
  return (pid) => (pid < min || pid > max || array[pid - min]! < 0 ? undefined : array[pid - min])
}

/**
 * How many distinct numbers each list holds: where they are dense, marked in one array over their range,
 * else a Set a list. At 1M events (bench/metrics.mjs), sessions' lists (a month's days, its last week, the
 * month: 165,000 numbers in all) took 9 ms as Sets, 2 marked.
 */
export function distinctCounts(lists: number[][]): number[] {
  const { min, max, dense } = extent(lists)
  if (!dense) return lists.map((list) => new Set(list).size)
  const mark = new Int32Array(max - min + 1).fill(-1) // the last list that held each number
  return lists.map((list, n) => {
    let count = 0
    for (const pid of list)
      if (mark[pid - min] != n) {
        mark[pid - min] = n
        count++
      }
    return count
  })
}

/** The least and the greatest of the numbers, and whether they are dense: their range at most 8 times their count. */
function extent(lists: number[][]) {
  let min = Infinity
  let max = -Infinity
  let count = 0
  for (const list of lists) {
    count += list.length
    for (const pid of list) {
      if (pid < min) min = pid
      if (pid > max) max = pid
    }
  }
  return { min, max, dense: count > 0 && max - min < 8 * count }
}
