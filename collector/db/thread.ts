// A worker thread with its own database connection, answering requests:
// better-sqlite3 is synchronous, so whatever runs on the main thread stops its
// event loop for as long as it takes (a write transaction: tens of ms; a metric
// at a million events: up to seconds), and requests arriving meanwhile are not
// even read. The SQLite writer (db/writer-thread.ts) and the metrics reader
// (metrics/reader-thread.ts) are such threads, each built as a file of its own.
import { parentPort, Worker, workerData } from 'node:worker_threads'
import type { Config } from '../config'
import { openDb, type Db, type DbOptions } from './index'

export interface ThreadData {
  db: DbOptions
  config: Config
}

/** An error as it crosses threads: a structured clone keeps neither its class nor, for SQLite's, its message. */
interface WireError {
  message: string
  name: string
  code?: string
}
/** To the main thread: open and ready, or the database could not be opened; then each request's outcome. */
type Reply = 'ready' | { failed: WireError } | { id: number; result: unknown } | { id: number; error: WireError }
/** From the main thread: a request, or `null` to finish what is in flight and close. */
type Message = { id: number; request: unknown } | null

const wire = (error: { message?: string; name?: string; code?: string } | undefined): WireError => ({
  message: String(error?.message ?? error),
  name: error?.name ?? 'Error',
  code: error?.code,
})
/** The error again, with its message, name (`error.name == 'NotConfigured'`) and SQLite code. */
const revive = ({ message, name, code }: WireError) => Object.assign(new Error(message), { name, code })

/**
 * Starts `script` (a file that calls serveDbThread) and resolves once it has opened the
 * database. A thread that dies fails the requests in flight and is started again by
 * the next request; close() lets the requests in flight finish first.
 */
export async function startDbThread<Request, Result>(script: URL, data: ThreadData, name: string) {
  const waiting = new Map<number, { resolve(result: Result): void; reject(error: unknown): void }>()
  let nextId = 0
  let worker: Promise<Worker> | undefined
  let closed = false
  let closing: Promise<void> | undefined

  const spawn = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = new Worker(script, { workerData: data })
      let dead = false
      // once per thread: its 'exit' follows its 'error' or 'failed', maybe after the next request started another
      const failed = (error: unknown) => {
        if (dead) return
        dead = true
        worker = undefined
        reject(error)
        for (const { reject } of waiting.values()) reject(error)
        waiting.clear()
      }
      w.on('message', (reply: Reply) => {
        if (reply == 'ready') return resolve(w)
        if ('failed' in reply) return failed(revive(reply.failed))
        const request = waiting.get(reply.id)
        waiting.delete(reply.id)
        if ('error' in reply) request?.reject(revive(reply.error))
        else request?.resolve(reply.result as Result)
      })
      w.on('error', failed)
      w.on('exit', (code) => closed || failed(new Error(`The ${name} thread stopped (exit code ${code})`)))
    })

  await (worker = spawn())
  return {
    call: async (request: Request): Promise<Result> => {
      if (closed) throw new Error(`The ${name} thread is closed`)
      const w = await (worker ??= spawn())
      return new Promise((resolve, reject) => {
        const id = nextId++
        waiting.set(id, { resolve, reject })
        w.postMessage({ id, request } satisfies Message)
      })
    },
    close: () =>
      (closing ??= (async () => {
        closed = true
        const w = await worker?.catch(() => undefined)
        if (!w) return
        const exited = new Promise((resolve) => w.once('exit', resolve))
        w.postMessage(null satisfies Message)
        await exited
      })()),
  }
}

/** In the thread: opens the database of startDbThread's data and answers each request with `handler(db, config)`. */
export function serveDbThread<Request, Result>(handler: (db: Db, config: Config) => (request: Request) => Promise<Result>) {
  const port = parentPort!
  const { db: options, config } = workerData as ThreadData
  openDb(options).then(
    (db) => {
      const handle = handler(db, config)
      const inFlight = new Set<Promise<unknown>>()
      port.on('message', (message: Message) => {
        if (!message) {
          void Promise.allSettled(inFlight)
            .then(() => db.close())
            .then(() => port.close())
          return
        }
        const { id, request } = message
        // a handler that throws rather than rejecting fails this request, not the thread
        const done = Promise.resolve(request as Request)
          .then(handle)
          .then(
            (result) => port.postMessage({ id, result } satisfies Reply),
            (error) => port.postMessage({ id, error: wire(error) } satisfies Reply),
          )
        inFlight.add(done)
        void done.finally(() => inFlight.delete(done))
      })
      port.postMessage('ready' satisfies Reply)
    },
    (error) => {
      port.postMessage({ failed: wire(error) } satisfies Reply)
      port.close()
    },
  )
}
