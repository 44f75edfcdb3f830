// What the ingestion benchmark takes from the TypeScript sources: the collector's
// own storage, validation and app code (so the storage ceiling and the phase
// timings run exactly what the collector runs) and the throwaway PostgreSQL of
// the tests. bench/ingest.mjs bundles this file with esbuild (packages left
// external) into node_modules/.cache/northstar-bench/ingest-lib.mjs, so the
// benchmark itself stays plain `node`, with no loader and no test runner.
export { startPostgres } from '../test/postgres'
export { openDb } from '../collector/db/index'
export { ingest } from '../collector/db/ingest'
export { BatchBody, validateMessage } from '../collector/schemas'
export { toRow } from '../collector/routes/ingest'
export { unsafeJson } from '../collector/http'
export { createApp } from '../collector/app'
export { parseConfig } from '../collector/config'
export { POSTGRES_CONCURRENCY } from '../collector/db/writer'
