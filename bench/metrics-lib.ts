// What the metrics benchmark takes from the TypeScript sources: the collector's
// own ingest path (validateMessage, toRow, ingest) and app, the names of its
// metric routes, and the tests' throwaway PostgreSQL. bench/metrics.mjs bundles
// this file with esbuild (packages left external) into
// node_modules/.cache/northstar-bench/metrics-lib.mjs, as bench/ingest.mjs does
// with ingest-lib.ts: plain `node`, no loader, no test runner.
export { startPostgres } from '../test/postgres'
export { openDb } from '../collector/db/index'
export { ingest } from '../collector/db/ingest'
export { validateMessage } from '../collector/schemas'
export { toRow } from '../collector/routes/ingest'
export { createApp } from '../collector/app'
export { parseConfig } from '../collector/config'
export { metrics } from '../collector/metrics/index'
