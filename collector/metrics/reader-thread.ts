// The metrics reader's thread (dist/collector-reader.mjs): the read API's
// queries and the hourly health check of the alerts on a connection of their
// own, so that a dashboard asking for metrics never stops the main thread's
// event loop, and with it ingestion: on SQLite the queries are synchronous, and
// on either database a metric is JavaScript over up to hundreds of thousands of
// rows (up to seconds at a million events).
import { checkHealth } from '../alerts'
import { serveDbThread } from '../db/thread'
import { readMetric, type Read } from './index'

/** A metric to read, or the health check of the alerts at a time. */
export type ReaderRequest = Read | { check: number }

serveDbThread((db, config) => (request: ReaderRequest): Promise<unknown> => ('check' in request ? checkHealth(db, config, request.check) : readMetric(db, request)))
