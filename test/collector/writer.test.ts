import { expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import type { Row } from '../../collector/db/ingest'
import { createWriter, POSTGRES_CONCURRENCY } from '../../collector/db/writer'

const row = (messageId: string) => ({ messageId }) as Row
/** A store whose transactions finish when the test says, recording what each one held. */
function controlledStore(fail: (call: number) => unknown = () => undefined) {
  const transactions: { ids: string[]; commit(): void }[] = []
  let calls = 0
  const store = (rows: Row[]) =>
    new Promise<Set<string>>((resolve, reject) => {
      const error = fail(++calls)
      if (error) return reject(error)
      transactions.push({ ids: rows.map((r) => r.messageId), commit: () => resolve(new Set(rows.map((r) => r.messageId))) })
    })
  return { store, transactions, calls: () => calls }
}
const tick = () => new Promise((resolve) => setImmediate(resolve))

test('SQLite: one transaction at a time; writes that arrive meanwhile go together in the next', async () => {
  const { store, transactions } = controlledStore()
  const write = createWriter({ dialect: 'sqlite' } as Db, undefined, store)
  const first = write([row('a')])
  await tick()
  const later = [write([row('b')]), write([row('c'), row('d')])]
  await tick()
  expect(transactions.map((t) => t.ids)).toEqual([['a']])
  transactions[0]!.commit()
  await first
  await tick()
  expect(transactions.map((t) => t.ids)).toEqual([['a'], ['b', 'c', 'd']])
  transactions[1]!.commit()
  expect(await Promise.all(later)).toEqual([new Set(['b', 'c', 'd']), new Set(['b', 'c', 'd'])])
})

test(`PostgreSQL: up to ${POSTGRES_CONCURRENCY} transactions in flight, each taking what waits when it starts`, async () => {
  const { store, transactions } = controlledStore()
  const write = createWriter({ dialect: 'postgres' } as Db, undefined, store)
  const writes: Promise<Set<string>>[] = []
  for (let i = 0; i < POSTGRES_CONCURRENCY + 2; i++) {
    writes.push(write([row(`r${i}`)]))
    await tick()
  }
  // the first ones each started a transaction; the last two wait for one to finish, together
  expect(transactions.map((t) => t.ids)).toEqual(Array.from({ length: POSTGRES_CONCURRENCY }, (_, i) => [`r${i}`]))
  transactions[0]!.commit()
  await tick()
  expect(transactions.at(-1)!.ids).toEqual([`r${POSTGRES_CONCURRENCY}`, `r${POSTGRES_CONCURRENCY + 1}`])
  for (const t of transactions) t.commit()
  expect((await Promise.all(writes)).map((s) => s.size)).toEqual([...Array(POSTGRES_CONCURRENCY).fill(1), 2, 2])
})

test('runs a transaction again when PostgreSQL aborted it for a deadlock or a serialization failure, up to 3 times', async () => {
  const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' })
  const serialization = Object.assign(new Error('could not serialize access'), { code: '40001' })
  const twice = controlledStore((call) => (call == 1 ? deadlock : call == 2 ? serialization : undefined))
  const stored = createWriter({ dialect: 'postgres' } as Db, undefined, twice.store)([row('a')])
  await tick()
  twice.transactions[0]!.commit()
  expect(await stored).toEqual(new Set(['a']))

  const always = controlledStore(() => deadlock)
  await expect(createWriter({ dialect: 'postgres' } as Db, undefined, always.store)([row('b')])).rejects.toThrow('deadlock detected')
  expect(always.calls()).toBe(3)
  const other = controlledStore(() => Object.assign(new Error('disk full'), { code: '53100' }))
  await expect(createWriter({ dialect: 'postgres' } as Db, undefined, other.store)([row('c')])).rejects.toThrow('disk full')
  expect(other.calls()).toBe(1)
})

test('a write the database refuses fails alone: the others of its transaction are stored one by one', async () => {
  const refused = Object.assign(new Error('invalid byte sequence'), { code: '22021' })
  const gate = controlledStore()
  const store = (rows: Row[]) => (rows.some((r) => r.messageId == 'bad') ? Promise.reject(refused) : gate.store(rows))
  const write = createWriter({ dialect: 'sqlite' } as Db, undefined, store)
  const first = write([row('a')])
  await tick()
  const settled = Promise.allSettled([write([row('b')]), write([row('bad')]), write([row('c')])])
  gate.transactions[0]!.commit()
  await first
  for (let i = 1; i <= 2; i++) {
    for (let n = 0; gate.transactions.length <= i && n < 100; n++) await tick()
    gate.transactions[i]?.commit()
  }
  const [b, bad, c] = await settled
  expect(b).toEqual({ status: 'fulfilled', value: new Set(['b']) })
  expect(bad).toEqual({ status: 'rejected', reason: refused })
  expect(c).toEqual({ status: 'fulfilled', value: new Set(['c']) })
  expect(gate.transactions.map((t) => t.ids)).toEqual([['a'], ['b'], ['c']])
})
