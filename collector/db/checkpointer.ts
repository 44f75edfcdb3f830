// SQLite copies the WAL back into the database file at a checkpoint, and by
// default the commit that crosses the threshold does it, so that one request
// waits for the copy (bench/ingest.mjs --profile: commits, checkpoints included,
// were half the time of a write). Here a worker thread with its own connection
// checkpoints instead, PASSIVE (never waiting for the writer, never blocking it;
// only past a size limit does it wait for a gap between commits), and the
// writer's own automatic checkpoints are off.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type SQLite from 'better-sqlite3'

/** How often the worker checkpoints; a passive checkpoint with nothing to copy costs microseconds. */
const EVERY_MS = 250
/** Past this many WAL pages (80 MB) the worker waits for the writer to let a checkpoint catch up. */
const LIMIT_PAGES = 20_000
/**
 * How long it waits for that, at most. A RESTART blocks new writes while it waits, also for
 * readers to leave the WAL: with metrics read in another thread (metrics/reader-thread.ts),
 * waiting out a read of a second stalled ingestion that long (bench: p99 450-630 ms with a
 * dashboard open, 57-138 ms with this limit). Not done now, it is tried again next round.
 */
const RESTART_WAIT_MS = 20
/** Should the worker stop, the writer checkpoints again itself, as often as it did before (40 MB of WAL). */
const FALLBACK_PAGES = 10_000

// An eval'd worker is a CommonJS script: it gets better-sqlite3 by the path this module resolves.
const source = `
const { parentPort, workerData } = require('node:worker_threads')
const db = new (require(workerData.sqlite))(workerData.file)
db.pragma('busy_timeout = 0')
const timer = setInterval(() => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)')
    // The WAL starts over only once a checkpoint has caught up with the writer; under a
    // sustained load it may not, so past the limit wait for a gap between commits (RESTART).
    if (log > workerData.limit) {
      db.pragma('busy_timeout = ' + workerData.restartWait)
      db.pragma('wal_checkpoint(RESTART)')
      db.pragma('busy_timeout = 0')
    }
  } catch (error) {
    // busy: the next round copies it; anything else (I/O, a read-only file) ends the worker,
    // and the writer checkpoints itself again
    if (!/^SQLITE_(BUSY|LOCKED)/.test(error.code)) throw error
  }
}, workerData.every)
parentPort.on('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/** Starts checkpointing `file` in a worker thread; resolves the returned stop() once the worker is gone. */
export function startCheckpointer(database: SQLite.Database, file: string): () => Promise<void> {
  database.pragma('wal_autocheckpoint = 0')
  const fallback = () => database.open && database.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`)
  const worker = new Worker(source, { eval: true, workerData: { sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), file, every: EVERY_MS, limit: LIMIT_PAGES, restartWait: RESTART_WAIT_MS } })
  worker.unref() // it never keeps the process alive
  worker.on('error', fallback)
  const exited = new Promise<void>((resolve) => worker.on('exit', () => resolve()))
  return () => {
    worker.ref() // now the process waits for it to close its connection
    worker.postMessage('stop')
    return exited
  }
}
