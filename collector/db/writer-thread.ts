// The SQLite writer's thread (dist/collector-writer.mjs): the group commit of
// db/writer.ts on its own connection, the alert outbox written in the same
// transactions, and the hourly retention sweep. The main thread keeps parsing
// and validating while it writes.
import { answerAlerts } from '../alerts'
import type { Row } from './ingest'
import { sweep } from './persons'
import { serveDbThread } from './thread'
import { createWriter } from './writer'

/**
 * Rows to store, answered once committed, with nothing: the keys a group stored, cloned into every answer
 * of its requests, cost ~0.15 ms an answer at 640 rows, a tenth of the writer's time; or the retention
 * sweep at a time.
 */
export type WriterRequest = { rows: Row[] } | { sweep: number }

serveDbThread((db, config) => {
  const write = createWriter(db, answerAlerts(config, Date.now))
  return (request: WriterRequest): Promise<unknown> => ('rows' in request ? write(request.rows).then(() => undefined) : sweep(db, config.projects, request.sweep))
})
