// Group commit: writes that arrive while transactions are in flight wait and
// go together in the next one, each answered once that one has committed.
// Fewer, larger transactions: fewer round trips to PostgreSQL, fewer commits.
//
// SQLite has one writer, so one transaction at a time. PostgreSQL takes several
// at once (as it does from several collectors): a new group need not wait for
// the commit of the one before, and the server works on one while the next
// travels.
import { ingest, type AfterStore, type Row } from './ingest'
import type { Db } from './index'

/** Transactions in flight at once on PostgreSQL (its pool holds 10 connections). */
export const POSTGRES_CONCURRENCY = 4
/** PostgreSQL aborted the transaction to break a deadlock, or for a serialization failure: run it again. */
const RETRYABLE = new Set(['40P01', '40001'])
const ATTEMPTS = 3

/** `store` is one transaction (tests pass their own); resolves with the keys stored now. */
export function createWriter(db: Db, after?: AfterStore, store = (rows: Row[]) => ingest(db, rows, after)) {
  const concurrency = db.dialect == 'postgres' ? POSTGRES_CONCURRENCY : 1
  let waiting: { rows: Row[]; resolve(stored: Set<string>): void; reject(error: unknown): void }[] = []
  let running = 0
  let scheduled = false

  async function attempt(rows: Row[]): Promise<Set<string>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store(rows)
      } catch (error) {
        if (attempt == ATTEMPTS || !RETRYABLE.has((error as { code?: string }).code!)) throw error
      }
    }
  }

  async function drain() {
    scheduled = false
    running++
    while (waiting.length) {
      const group = waiting
      waiting = []
      try {
        const stored = await attempt(group.flatMap((w) => w.rows))
        for (const w of group) w.resolve(stored)
      } catch (error) {
        if (group.length == 1) group[0]!.reject(error)
        // One write the database refuses must not fail the others that shared its transaction: each alone
        else for (const w of group) await attempt(w.rows).then(w.resolve, w.reject)
      }
    }
    running--
  }

  return (rows: Row[]): Promise<Set<string>> =>
    new Promise((resolve, reject) => {
      waiting.push({ rows, resolve, reject })
      if (!scheduled && running < concurrency) {
        scheduled = true
        setImmediate(drain) // let the requests of this turn of the event loop join
      }
    })
}
