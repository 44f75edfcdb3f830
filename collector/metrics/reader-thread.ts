// The metrics reader's thread (dist/collector-reader.mjs): the read API's
// queries on a connection of their own, so that on SQLite a dashboard asking
// for metrics (up to seconds each at a million events) never stops the main
// thread's event loop, and with it ingestion.
import { serveDbThread } from '../db/thread'
import { readMetric, type Read } from './index'

serveDbThread((db) => (request: Read) => readMetric(db, request))
