// The SQLite writer's thread (dist/collector-writer.mjs): the group commit of
// db/writer.ts on its own connection, the alert outbox written in the same
// transactions. The main thread keeps parsing and validating while it writes.
import { answerAlerts } from '../alerts'
import type { Row } from './ingest'
import { serveDbThread } from './thread'
import { createWriter } from './writer'

serveDbThread((db, config) => {
  const write = createWriter(db, answerAlerts(config, Date.now))
  return (rows: Row[]) => write(rows)
})
