// Group commit: writes that arrive while a transaction is in flight wait and
// go together in the next one, each answered once that one has committed.
// Fewer, larger transactions: fewer round trips to PostgreSQL, fewer commits.
import { Worker } from 'node:worker_threads'
import { ingest, type AfterStore, type Row } from './ingest'
import type { Db } from './index'
import type { WireError, WriterData, WriterReply, WriterRequest } from './writer-thread'

const revive = ({ message, code }: WireError) => Object.assign(new Error(message), { code })

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

/**
 * The same group commit in a worker thread (db/writer-thread.ts, built as `script`):
 * SQLite's synchronous transactions then no longer stop this thread's event loop.
 * Resolves once the worker has opened the database. A worker that dies fails the
 * writes in flight (their senders retry) and is started again by the next write.
 */
export async function startWriterThread(script: URL, data: WriterData) {
  const waiting = new Map<number, { resolve(stored: Set<string>): void; reject(error: unknown): void }>()
  let nextId = 0
  let worker: Promise<Worker> | undefined
  let closed = false
  let closing: Promise<void> | undefined

  const spawn = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = new Worker(script, { workerData: data })
      const failed = (error: unknown) => {
        worker = undefined
        reject(error)
        for (const { reject } of waiting.values()) reject(error)
        waiting.clear()
      }
      w.on('message', (reply: WriterReply) => {
        if (reply == 'ready') return resolve(w)
        if ('failed' in reply) return failed(revive(reply.failed))
        const write = waiting.get(reply.id)
        waiting.delete(reply.id)
        if ('error' in reply) write?.reject(revive(reply.error))
        else write?.resolve(reply.stored)
      })
      w.on('error', failed)
      w.on('exit', (code) => closed || failed(new Error(`The SQLite writer thread stopped (exit code ${code})`)))
    })

  await (worker = spawn())
  return {
    write: async (rows: Row[]): Promise<Set<string>> => {
      if (closed) throw new Error('The SQLite writer thread is closed')
      const w = await (worker ??= spawn())
      return new Promise((resolve, reject) => {
        const id = nextId++
        waiting.set(id, { resolve, reject })
        w.postMessage({ id, rows } satisfies WriterRequest)
      })
    },
    /** Finishes the writes in flight, then closes the worker's connection. */
    close: () =>
      (closing ??= (async () => {
        closed = true
        const w = await worker?.catch(() => undefined)
        if (!w) return
        const exited = new Promise((resolve) => w.once('exit', resolve))
        w.postMessage(null satisfies WriterRequest)
        await exited
      })()),
  }
}
