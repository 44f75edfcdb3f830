// SQLite copies the WAL back into the database file at a checkpoint, and by
// default the commit that crosses the threshold does it, so that one request
// waits for the copy (bench/ingest.mjs --profile: commits, checkpoints included,
// were half the time of a write). Here a worker thread with its own connection
// checkpoints instead, PASSIVE (never waiting for the writer, never blocking it),
// and the writer's own automatic checkpoints are off.
//
// A passive checkpoint cannot start the WAL over while writes go on: by the time
// it has copied the WAL, more has been appended. Past a size limit the worker
// raises a flag, and the writer's connection starts the WAL over itself (RESTART)
// right after its next commit, with little left to copy and to sync: the worker
// syncs the database file after each of its checkpoints. A flag in shared memory,
// not a message: a loop of transactions (a bulk load) never lets its event loop
// read messages, and a WAL never started over makes every commit slower (1M-event
// load: 8,800 events/s against 11,300). The worker used to restart it, waiting for
// the writer's lock; the writer's BEGIN then slept in SQLite's busy handler (1, 2,
// 5, 10 ms ...) past the restart's end: stalls of 20-55 ms about once a second
// under load. Measured paced at 757 requests/s (bench/ingest.mjs): p99 78-80 ms
// with the worker restarting, 52-61 with the writer, 28-52 with the worker's sync too.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type SQLite from 'better-sqlite3'

/** How often the worker checkpoints; a passive checkpoint with nothing to copy costs microseconds. */
const EVERY_MS = 250
/**
 * Past this many WAL pages (240 MB) the writer starts the WAL over. Each restart stalls the writer,
 * ~10-20 ms at 15,000 events/s in 20-event requests: every ~2 s, against every 0.7 s at 80 MB (paced
 * at 750 requests/s, p99 over 7 runs each: median 23 ms against 28).
 */
const LIMIT_PAGES = 60_000
/** Should the worker stop, the writer checkpoints again itself, as often as it did before (40 MB of WAL). */
const FALLBACK_PAGES = 10_000

// An eval'd worker is a CommonJS script: it gets better-sqlite3 by the path this module resolves.
const source = `
const { parentPort, workerData } = require('node:worker_threads')
const asked = new Int32Array(workerData.asked)
const { closeSync, fsyncSync, openSync } = require('node:fs')
const db = new (require(workerData.sqlite))(workerData.file)
db.pragma('busy_timeout = 0')
const file = openSync(workerData.file, 'r+') // writable: Windows flushes no file opened read-only
let copied = 0
const timer = setInterval(() => {
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)')
    // Flush what it copied to the disk here, or the restart's sync would do it in the writer
    if (checkpointed != copied) fsyncSync(file)
    copied = checkpointed
    // Not while a read holds an older snapshot (the copy stopped short of the end): the restart would
    // have to wait for it, and would only copy, in the writer, what this thread copies anyway
    if (log > workerData.limit && checkpointed == log) Atomics.store(asked, 0, 1)
  } catch (error) {
    // busy: the next round copies it; anything else (I/O, a read-only file) ends the worker,
    // and the writer checkpoints itself again
    if (!/^SQLITE_(BUSY|LOCKED)/.test(error.code)) throw error
  }
}, workerData.every)
parentPort.on('message', () => {
  clearInterval(timer)
  db.close()
  closeSync(file)
  parentPort.close()
})
`

export interface Checkpointer {
  /** Starts the WAL over if the worker asked, unless in a transaction: call it after each commit. */
  restartIfAsked(): void
  /** Resolves once the worker is gone. */
  stop(): Promise<void>
}

/** Starts checkpointing `file` in a worker thread. */
export function startCheckpointer(database: SQLite.Database, file: string, limit = LIMIT_PAGES): Checkpointer {
  database.pragma('wal_autocheckpoint = 0')
  const fallback = () => database.open && database.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`)
  const asked = new Int32Array(new SharedArrayBuffer(4))
  const workerData = { sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), file, every: EVERY_MS, limit, asked: asked.buffer }
  const worker = new Worker(source, { eval: true, workerData })
  worker.unref() // it never keeps the process alive
  worker.on('error', fallback)
  const exited = new Promise<void>((resolve) => worker.on('exit', () => resolve()))
  return {
    restartIfAsked() {
      if (!Atomics.load(asked, 0) || !database.open || database.inTransaction) return
      Atomics.store(asked, 0, 0) // asked again next round if the WAL is still past the limit
      // never waiting: a read in another thread makes it busy at once, rather than stall this writer
      const timeout = database.pragma('busy_timeout', { simple: true })
      database.pragma('busy_timeout = 0')
      try {
        database.pragma('wal_checkpoint(RESTART)')
      } catch (error) {
        // busy: asked again next round; anything else, the next write meets as well, and reports
        if (!/^SQLITE_(BUSY|LOCKED)/.test((error as { code?: string }).code ?? '')) console.error('Starting the SQLite WAL over failed:', error)
      } finally {
        database.pragma(`busy_timeout = ${timeout}`)
      }
    },
    stop() {
      worker.ref() // now the process waits for it to close its connection
      worker.postMessage('stop')
      return exited
    },
  }
}
