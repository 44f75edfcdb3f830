// The SQLite writer's worker thread (dist/collector-writer.mjs): its own
// connection to the file, the group commit of db/writer.ts, and the alert
// outbox written in the same transactions. better-sqlite3 is synchronous, so
// on the main thread every transaction stopped the event loop for its whole
// length (tens of ms): requests arriving meanwhile were not even read. Here
// the main thread keeps parsing and validating while this one writes.
import { parentPort, workerData } from 'node:worker_threads'
import { answerAlerts } from '../alerts'
import type { Config } from '../config'
import { openDb, type DbOptions } from './index'
import type { Row } from './ingest'
import { createWriter } from './writer'

export interface WriterData {
  db: DbOptions
  config: Config
}
/** From the main thread: rows to store, or `null` to finish what is in flight and close. */
export type WriterRequest = { id: number; rows: Row[] } | null
/** An error as it crosses threads: a structured clone keeps neither its class nor, for SQLite's, its message. */
export interface WireError {
  message: string
  code?: string
}
/** To the main thread: open and ready, or the database could not be opened; then each write's outcome. */
export type WriterReply = 'ready' | { failed: WireError } | { id: number; stored: Set<string> } | { id: number; error: WireError }

const port = parentPort!
const { db: options, config } = workerData as WriterData
const wire = (error: { message?: string; code?: string } | undefined): WireError => ({ message: String(error?.message ?? error), code: error?.code })

openDb(options).then(
  (db) => {
    const write = createWriter(db, answerAlerts(config, Date.now))
    const inFlight = new Set<Promise<unknown>>()
    port.on('message', (request: WriterRequest) => {
      if (!request) {
        void Promise.allSettled(inFlight)
          .then(() => db.close())
          .then(() => port.close())
        return
      }
      const { id, rows } = request
      const done = write(rows).then(
        (stored) => port.postMessage({ id, stored } satisfies WriterReply),
        (error) => port.postMessage({ id, error: wire(error) } satisfies WriterReply),
      )
      inFlight.add(done)
      void done.finally(() => inFlight.delete(done))
    })
    port.postMessage('ready' satisfies WriterReply)
  },
  (error) => {
    port.postMessage({ failed: wire(error) } satisfies WriterReply)
    port.close()
  },
)
