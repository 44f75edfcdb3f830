// Per-person state, kept at ingest from the per-actor state, so that a metric
// finds a signup cohort through an index instead of resolving every person of
// the project. A person gathers the actors whose latest link names it
// (actors.person). Rows merge commutatively (least first time, the latest
// createdAt and group call), so collectors adding to one person concurrently
// agree; a person that loses an actor to a re-link is recomputed from its
// remaining actors under its row lock. A person's traits (person_traits) merge
// likewise: each key the latest of its actors'.
import { sql, type Kysely, type Transaction } from 'kysely'
import { parseIsoTime } from '../metrics/time'
import type { Db, Dialect } from './index'
import { chunks, insertRows, later } from './rows'
import type { PersonsTable, Tables } from './schema'

/** A person's row but its number, which the database gives. */
export type PersonState = Omit<PersonsTable, 'pid'>

type Trx = Transaction<Tables>

/** Each person's state folded from the full state of the given actors (each with its current person). */
export async function foldPersons(trx: Kysely<Tables>, project: string, actors: Map<string, string>): Promise<Map<string, PersonState>> {
  const persons = new Map<string, PersonState>()
  const list = [...actors.keys()]
  for (const chunk of chunks(list)) {
    const [rows, created, groups] = await Promise.all([
      trx.selectFrom('actors').select(['actor', 'first_time']).where('project_id', '=', project).where('actor', 'in', chunk).execute(),
      trx
        .selectFrom('traits')
        .select(['subject', 'value', 'time', 'seq'])
        .where('project_id', '=', project)
        .where('kind', '=', 'person')
        .where('key', '=', 'createdAt')
        .where('subject', 'in', chunk)
        .execute(),
      trx.selectFrom('memberships').select(['actor', 'group_id', 'time', 'seq']).where('project_id', '=', project).where('actor', 'in', chunk).execute(),
    ])
    for (const a of rows) {
      const id = actors.get(a.actor)!
      const p = persons.get(id)
      if (!p)
        persons.set(id, { project_id: project, person: id, first_time: a.first_time, signup_time: a.first_time, created_ms: null, created_time: null, created_seq: null, account: null, account_time: null, account_seq: null })
      else p.first_time = Math.min(p.first_time, a.first_time)
    }
    for (const t of created) {
      const p = persons.get(actors.get(t.subject)!)
      if (p && later(t, p.created_time == null ? null : { time: p.created_time, seq: p.created_seq! }))
        Object.assign(p, { created_ms: parseIsoTime(JSON.parse(t.value)), created_time: t.time, created_seq: t.seq })
    }
    for (const g of groups) {
      const p = persons.get(actors.get(g.actor)!)
      if (p && later(g, p.account_time == null ? null : { time: p.account_time, seq: p.account_seq! })) Object.assign(p, { account: g.group_id, account_time: g.time, account_seq: g.seq })
    }
  }
  for (const p of persons.values()) p.signup_time = p.created_ms ?? p.first_time
  return persons
}

/** A person's part of a write: its rows' first event time, latest createdAt and latest group call. */
export function contribute(persons: Map<string, PersonState>, project: string, person: string, r: { eventTime: number; seq: number; type: string; traits?: Record<string, unknown> | undefined; groupId: string | null }) {
  const created = r.type == 'identify' && r.traits?.createdAt !== undefined
  const grouped = r.type == 'group'
  const row: PersonState = {
    project_id: project,
    person,
    first_time: r.eventTime,
    created_ms: created ? parseIsoTime(r.traits!.createdAt) : null,
    created_time: created ? r.eventTime : null,
    created_seq: created ? r.seq : null,
    signup_time: r.eventTime,
    account: grouped ? r.groupId : null,
    account_time: grouped ? r.eventTime : null,
    account_seq: grouped ? r.seq : null,
  }
  row.signup_time = row.created_ms ?? row.first_time
  add(persons, row)
}

/** Adds a person's state to those known, merged into the same person's. */
function add(persons: Map<string, PersonState>, state: PersonState) {
  const known = persons.get(state.person)
  if (known) merge(known, state)
  else persons.set(state.person, state)
}

/** Merges b into a, as the upsert below merges rows. */
function merge(a: PersonState, b: PersonState) {
  a.first_time = Math.min(a.first_time, b.first_time)
  if (b.created_time != null && later({ time: b.created_time, seq: b.created_seq! }, a.created_time == null ? null : { time: a.created_time, seq: a.created_seq! }))
    Object.assign(a, { created_ms: b.created_ms, created_time: b.created_time, created_seq: b.created_seq })
  if (b.account_time != null && later({ time: b.account_time, seq: b.account_seq! }, a.account_time == null ? null : { time: a.account_time, seq: a.account_seq! }))
    Object.assign(a, { account: b.account, account_time: b.account_time, account_seq: b.account_seq })
  a.signup_time = a.created_ms ?? a.first_time
}

/**
 * After the per-actor state of a write: merges what the write adds into its persons
 * (`added`, from its rows), and for the actors a re-link moved (actor to its old and
 * new person) the whole history of the actor into its new person; the old person is
 * recomputed from the actors it keeps, or deleted. Resolves with the number of each
 * person of `added` (persons.pid).
 */
export async function updatePersons(db: Db, trx: Trx, project: string, added: Map<string, PersonState>, moved: Map<string, [from: string, to: string]>): Promise<Map<string, number>> {
  if (moved.size)
    for (const state of (await foldPersons(trx, project, new Map([...moved].map(([actor, [, to]]) => [actor, to])))).values()) add(added, state)
  const rows = [...added.values()].sort((a, b) => (a.person < b.person ? -1 : a.person > b.person ? 1 : 0))
  const createdWins = sql<boolean>`excluded.created_time is not null and (persons.created_time is null or (excluded.created_time, excluded.created_seq) > (persons.created_time, persons.created_seq))`
  const accountWins = sql<boolean>`excluded.account_time is not null and (persons.account_time is null or (excluded.account_time, excluded.account_seq) > (persons.account_time, persons.account_seq))`
  const first = db.least('persons.first_time', 'excluded.first_time')
  const upserted = await insertRows(db, trx, 'persons', rows, (values) =>
    trx
      .insertInto('persons')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['project_id', 'person']).doUpdateSet({
          first_time: first,
          created_ms: sql`case when ${createdWins} then excluded.created_ms else persons.created_ms end`,
          created_time: sql`case when ${createdWins} then excluded.created_time else persons.created_time end`,
          created_seq: sql`case when ${createdWins} then excluded.created_seq else persons.created_seq end`,
          // signup: the latest createdAt when it parsed, else the first event
          signup_time: sql`coalesce(case when ${createdWins} then excluded.created_ms else persons.created_ms end, ${first})`,
          account: sql`case when ${accountWins} then excluded.account else persons.account end`,
          account_time: sql`case when ${accountWins} then excluded.account_time else persons.account_time end`,
          account_seq: sql`case when ${accountWins} then excluded.account_seq else persons.account_seq end`,
        }),
      )
      .returning(['person', 'pid']),
  )

  // a re-link moved an actor away: its old person is what its remaining actors make it, or gone
  const lost = [...new Set([...moved.values()].map(([from]) => from))].sort()
  const pids = new Map(upserted.map((p) => [p.person, p.pid]))
  const retraited = [...new Set([...moved.values()].map(([, to]) => pids.get(to)!))] // gained an actor
  for (const person of lost) {
    let lock = trx.selectFrom('persons').select('pid').where('project_id', '=', project).where('person', '=', person)
    if (db.dialect == 'postgres') lock = lock.forUpdate()
    for (const { pid } of await lock.execute()) retraited.push(pid)
    const remaining = await trx.selectFrom('actors').select(['actor', 'person']).where('project_id', '=', project).where('person', '=', person).execute()
    const state = (await foldPersons(trx, project, new Map(remaining.map((a) => [a.actor, a.person])))).get(person)
    if (!state) await trx.deleteFrom('persons').where('project_id', '=', project).where('person', '=', person).execute()
    else {
      const { project_id: _, person: __, ...values } = state
      await trx.updateTable('persons').set(values).where('project_id', '=', project).where('person', '=', person).execute()
    }
  }
  // the traits of the persons that gained or lost an actor: merged again from their actors'
  retraited.sort((a, b) => a - b)
  for (const chunk of chunks(retraited)) await trx.deleteFrom('person_traits').where('project_id', '=', project).where('pid', 'in', chunk).execute()
  await mergeTraits(trx, db.dialect, project, retraited)
  return pids
}

/**
 * The persons of a project with these numbers, looked up by number. SQLite's unary + keeps it off the indexes that
 * begin with project_id, which the statistics of `pragma optimize` rate as holding a few rows each: it read
 * all of persons_person to find 500 numbers (12 ms at 1M events, bench/metrics.mjs).
 */
export const numbered = (db: Kysely<Tables>, dialect: Dialect, project: string, pids: number[]) =>
  db
    .selectFrom('persons')
    .where(dialect == 'sqlite' ? sql`+project_id` : sql.ref('project_id'), '=', project)
    .where('pid', 'in', pids)

/**
 * The actors of the persons with these numbers (at most a chunk of them), each with its person's number: the
 * persons by number, then their actors through actors_person. Joined, SQLite without statistics (a new
 * database) scanned every actor of the project instead: 12.5 s at 1M events (bench/metrics.mjs, onboarding).
 */
export async function actorsNumbered(db: Kysely<Tables>, dialect: Dialect, project: string, pids: number[]): Promise<{ actor: string; pid: number }[]> {
  const persons = await numbered(db, dialect, project, pids).select(['pid', 'person']).execute()
  if (!persons.length) return []
  const pidOf = new Map(persons.map((p) => [p.person, p.pid]))
  const actors = await db.selectFrom('actors').select(['actor', 'person']).where('project_id', '=', project).where('person', 'in', [...pidOf.keys()]).execute()
  return actors.map((a) => ({ actor: a.actor, pid: pidOf.get(a.person!)! }))
}

/** The order every writer of person_traits writes its rows in, so that two collectors' writes wait rather than deadlock. */
export const traitOrder = (a: Tables['person_traits'], b: Tables['person_traits']) =>
  a.project_id < b.project_id ? -1 : a.project_id > b.project_id ? 1 : a.pid - b.pid || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

/** The latest of two writes of a person's trait wins (by event time, then receipt). */
export const traitWins = sql<boolean>`(excluded.time, excluded.seq) > (person_traits.time, person_traits.seq)`

/**
 * Writes the merged traits of the persons (by number) from their actors' traits: per key, the latest. Merges
 * with what is there, as another collector may have written since. Read by index and folded here: as one
 * query joining traits, actors and persons, SQLite without statistics (a new database) read every person
 * trait for each re-link, and PostgreSQL's plan halved the load of bench/metrics.mjs (6,968 -> 3,218 events/s).
 */
export async function mergeTraits(trx: Kysely<Tables>, dialect: Dialect, project: string, pids: number[]) {
  for (const chunk of chunks(pids)) {
    const actors = await actorsNumbered(trx, dialect, project, chunk)
    if (!actors.length) continue
    const latest = new Map<string, Tables['person_traits']>()
    for (const some of chunks(actors)) {
      const pidOf = new Map(some.map((a) => [a.actor, a.pid]))
      const traits = await trx
        .selectFrom('traits')
        .select(['subject', 'key', 'value', 'time', 'seq'])
        .where('project_id', '=', project)
        .where('kind', '=', 'person')
        .where('subject', 'in', [...pidOf.keys()])
        .execute()
      for (const t of traits) {
        const pid = pidOf.get(t.subject)!
        const id = `${pid}\u0000${t.key}`
        if (later(t, latest.get(id))) latest.set(id, { project_id: project, pid, key: t.key, value: t.value, time: t.time, seq: t.seq })
      }
    }
    for (const some of chunks([...latest.values()].sort(traitOrder)))
      await trx
        .insertInto('person_traits')
        .values(some)
        .onConflict((oc) => oc.columns(['project_id', 'pid', 'key']).doUpdateSet({ value: sql.ref('excluded.value'), time: sql.ref('excluded.time'), seq: sql.ref('excluded.seq') }).where(traitWins))
        .execute()
  }
}
