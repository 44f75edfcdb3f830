// Persons, as METRICS.md defines them, resolved from the per-actor state at
// query time: an anonymous actor belongs to the userId of its latest link, so
// linking is retroactive and one userId gathers all its devices. Also each
// person's account, signup time and traits, and the segment filter.
import type { Db } from '../db/index'
import type { Query } from './query'

export interface Person {
  id: string
  actors: string[]
  /** The event time of the first event. */
  first: number
  /** createdAt when it is an ISO 8601 string, else the first event's time. */
  signup: number
  /** The groupId of the latest group call, or null. */
  account: string | null
  /** The person's traits asked for (merged across devices, latest call wins), parsed. */
  traits: Record<string, unknown>
  /** The account's traits asked for. */
  accountTraits: Record<string, unknown>
}

/** Who counts: the person of an actor whose latest link is userId, or undefined when the segments leave them out. */
export interface Persons {
  of(actor: string, userId: string | null): string | undefined
}

export interface Population extends Persons {
  /** The persons that pass the segment filter. */
  persons: Map<string, Person>
  /** Actor to person, for the persons that pass. */
  personOf: Map<string, string>
}

/** Everyone: with no segment, an actor's person follows from its link alone and nobody needs loading. */
const everyone: Persons = { of: (actor, userId) => personId(actor, userId) }

/** The persons a windowed metric counts: everyone, or the segment's, loaded. */
export const segmentOf = (db: Db, query: Query): Promise<Persons> => (query.segments.length ? loadPopulation(db, query) : Promise.resolve(everyone))

interface Stamped {
  value: string
  time: number
  seq: number
}
const later = (a: Stamped, b: Stamped | undefined) => !b || a.time > b.time || (a.time == b.time && a.seq > b.seq)

/** The person of an actor: `u:<userId>` once linked, else the actor itself. */
export const personId = (actor: string, userId: string | null) => (userId == null ? actor : `u:${userId}`)

/** Loads every person of the project, with the traits named (besides createdAt), keeping those that match the query's segments. */
export async function loadPopulation(db: Db, query: Query, traitKeys: string[] = []): Promise<Population> {
  const project = query.project.id
  const keys = [...new Set(['createdAt', ...traitKeys, ...query.segments.map((s) => s.trait)])]
  const [actors, traits, memberships] = await Promise.all([
    db.kysely.selectFrom('actors').select(['actor', 'user_id', 'first_time']).where('project_id', '=', project).execute(),
    db.kysely.selectFrom('traits').select(['kind', 'subject', 'key', 'value', 'time', 'seq']).where('project_id', '=', project).where('key', 'in', keys).execute(),
    db.kysely.selectFrom('memberships').select(['actor', 'group_id as value', 'time', 'seq']).where('project_id', '=', project).execute(),
  ])

  const all = new Map<string, Person>()
  const personOf = new Map<string, string>()
  for (const a of actors) {
    const id = personId(a.actor, a.user_id)
    personOf.set(a.actor, id)
    const person = all.get(id)
    if (!person) all.set(id, { id, actors: [a.actor], first: a.first_time, signup: a.first_time, account: null, traits: {}, accountTraits: {} })
    else {
      person.actors.push(a.actor)
      person.first = Math.min(person.first, a.first_time)
    }
  }

  const personTraits = new Map<string, Map<string, Stamped>>()
  const accountTraits = new Map<string, Record<string, unknown>>()
  for (const t of traits) {
    if (t.kind == 'account') {
      let record = accountTraits.get(t.subject)
      if (!record) accountTraits.set(t.subject, (record = {}))
      record[t.key] = JSON.parse(t.value)
      continue
    }
    const id = personOf.get(t.subject)
    if (!id) continue
    let merged = personTraits.get(id)
    if (!merged) personTraits.set(id, (merged = new Map()))
    if (later(t, merged.get(t.key))) merged.set(t.key, t)
  }
  const account = new Map<string, Stamped>()
  for (const m of memberships) {
    const id = personOf.get(m.actor)
    if (id && later(m, account.get(id))) account.set(id, m)
  }

  const persons = new Map<string, Person>()
  for (const person of all.values()) {
    for (const [key, t] of personTraits.get(person.id) ?? []) person.traits[key] = JSON.parse(t.value)
    person.account = account.get(person.id)?.value ?? null
    if (person.account) person.accountTraits = accountTraits.get(person.account) ?? {}
    person.signup = parseIsoTime(person.traits.createdAt) ?? person.first
    if (query.segments.every((s) => matches(person, s.trait, s.value))) persons.set(person.id, person)
  }
  for (const [actor, id] of personOf) if (!persons.has(id)) personOf.delete(actor)
  return { persons, personOf, of: (actor) => personOf.get(actor) }
}

export interface Member {
  id: string
  signup: number
  first: number
}

/**
 * The persons who signed up in [from, to) and pass the segments. Without a segment
 * the persons table answers through its signup index; a segment needs everyone's traits.
 */
export async function loadCohort(db: Db, query: Query): Promise<Map<string, Member>> {
  if (query.segments.length) {
    const population = await loadPopulation(db, query)
    return new Map([...population.persons.values()].filter((p) => p.signup >= query.from && p.signup < query.to).map((p) => [p.id, p]))
  }
  const rows = await db.kysely
    .selectFrom('persons')
    .select(['person', 'signup_time', 'first_time'])
    .where('project_id', '=', query.project.id)
    .where('signup_time', '>=', query.from)
    .where('signup_time', '<', query.to)
    .execute()
  return new Map(rows.map((r) => [r.person, { id: r.person, signup: r.signup_time, first: r.first_time }]))
}

/**
 * Every person seen before `to`, with the traits asked for, from the per-person state:
 * what health scores without a segment (a segment needs loadPopulation).
 */
export async function loadPersons(db: Db, query: Query, traitKeys: string[]): Promise<Population> {
  const project = query.project.id
  const keys = traitKeys.length ? traitKeys : ['']
  const [rows, personTraits, accountTraits] = await Promise.all([
    db.kysely.selectFrom('persons').select(['person', 'first_time', 'signup_time', 'account']).where('project_id', '=', project).where('first_time', '<', query.to).execute(),
    db.kysely
      .selectFrom('traits as t')
      .innerJoin('actors as a', (join) => join.onRef('a.project_id', '=', 't.project_id').onRef('a.actor', '=', 't.subject'))
      .select(['a.person', 't.key', 't.value', 't.time', 't.seq'])
      .where('t.project_id', '=', project)
      .where('t.kind', '=', 'person')
      .where('t.key', 'in', keys)
      .execute(),
    db.kysely.selectFrom('traits').select(['subject', 'key', 'value']).where('project_id', '=', project).where('kind', '=', 'account').where('key', 'in', keys).execute(),
  ])
  const accounts = new Map<string, Record<string, unknown>>()
  for (const t of accountTraits) {
    let record = accounts.get(t.subject)
    if (!record) accounts.set(t.subject, (record = {}))
    record[t.key] = JSON.parse(t.value)
  }
  const latest = new Map<string, Map<string, Stamped>>()
  for (const t of personTraits) {
    let merged = latest.get(t.person)
    if (!merged) latest.set(t.person, (merged = new Map()))
    if (later(t, merged.get(t.key))) merged.set(t.key, t)
  }
  const persons = new Map<string, Person>()
  for (const r of rows) {
    const traits: Record<string, unknown> = {}
    for (const [key, t] of latest.get(r.person) ?? []) traits[key] = JSON.parse(t.value)
    persons.set(r.person, { id: r.person, actors: [], first: r.first_time, signup: r.signup_time, account: r.account, traits, accountTraits: (r.account && accounts.get(r.account)) || {} })
  }
  return { persons, personOf: new Map(), of: everyone.of }
}

/** A segment `trait:value`: the person's trait if set, else the account's, compared as text. */
function matches(person: Person, trait: string, value: string) {
  const v = trait in person.traits ? person.traits[trait] : person.accountTraits[trait]
  if (v === undefined) return false
  return (typeof v == 'string' ? v : JSON.stringify(v)) == value
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

/** An ISO 8601 date or date-time as UTC ms: without an offset it is UTC, a date alone is 00:00 UTC. Else null. */
export function parseIsoTime(value: unknown): number | null {
  if (typeof value != 'string') return null
  const m = ISO.exec(value.trim())
  if (!m) return null
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m
  const month = Number(mo) - 1
  const t = Date.UTC(Number(y), month, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)))
  const date = new Date(t)
  // Date.UTC rolls 2026-02-30 over to March: such a date is not a date
  if (date.getUTCMonth() != month || date.getUTCDate() != Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null
  if (zone.toUpperCase() == 'Z') return t
  const [, sign, oh, om = '0'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!
  return t - (sign == '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
}
