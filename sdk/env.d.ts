// Replaced at build time (rollup.config.mjs, test/vitest.config.ts).
/** The package version, sent as context.library.version. */
declare const __VERSION__: string
/** Misuse checks: on in the ESM build and dist/northstar.dev.js, off in the production script tag. */
declare const __DEV__: boolean
