// The metrics reader's thread (dist/collector-reader.mjs): the read API's
// queries and the hourly health check of the alerts on a connection of their
// own, so that on SQLite a dashboard asking for metrics (up to seconds each at
// a million events) never stops the main thread's event loop, and with it
// ingestion.
import { checkHealth } from '../alerts'
import { serveDbThread } from '../db/thread'
import { readMetric, type Read } from './index'

/** A metric to read, or the health check of the alerts at a time. */
export type ReaderRequest = Read | { check: number }

serveDbThread((db, config) => (request: ReaderRequest): Promise<unknown> => ('check' in request ? checkHealth(db, config, request.check) : readMetric(db, request)))
