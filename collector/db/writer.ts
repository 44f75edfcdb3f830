// Group commit: writes that arrive while a transaction is in flight wait and
// go together in the next one, each answered once that one has committed.
// Fewer, larger transactions: fewer round trips to PostgreSQL, fewer commits.
import { ingest, type AfterStore, type Row } from './ingest'
import type { Db } from './index'

export function createWriter(db: Db, after?: AfterStore) {
  let waiting: { rows: Row[]; resolve(stored: Set<string>): void; reject(error: unknown): void }[] = []
  let busy = false

  async function drain() {
    busy = true
    while (waiting.length) {
      const group = waiting
      waiting = []
      try {
        const stored = await ingest(db, group.flatMap((w) => w.rows), after)
        for (const w of group) w.resolve(stored)
      } catch (error) {
        for (const w of group) w.reject(error)
      }
    }
    busy = false
  }

  return (rows: Row[]): Promise<Set<string>> =>
    new Promise((resolve, reject) => {
      waiting.push({ rows, resolve, reject })
      if (!busy) {
        busy = true
        setImmediate(drain) // let the requests of this turn of the event loop join
      }
    })
}
