import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

export default defineConfig({
  root: new URL('..', import.meta.url).pathname,
  define: { __VERSION__: JSON.stringify(version), __DEV__: 'true' },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/sdk/**/*.test.ts'],
          environment: 'happy-dom',
          environmentOptions: { happyDOM: { settings: { handleDisabledFileLoadingAsSuccess: true } } },
          setupFiles: ['test/sdk/setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'widget',
          include: ['test/widget/**/*.test.{ts,tsx}'],
          // the real stylesheet, not vitest's empty stand-in for CSS
          css: { include: [/theme\.css/] },
          environment: 'happy-dom',
          setupFiles: ['test/sdk/setup.ts'],
        },
      },
      {
        // The same unit tests, run again on the built ESM bundle and its widget chunk
        extends: true,
        resolve: {
          alias: [
            { find: /^(\.\.\/)+sdk\/index$/, replacement: fileURLToPath(new URL('../dist/northstar.mjs', import.meta.url)) },
            { find: /^(\.\.\/)+widget\/index$/, replacement: fileURLToPath(new URL('../dist/northstar-widget.mjs', import.meta.url)) },
          ],
        },
        test: {
          name: 'dist',
          include: ['test/sdk/{queue,session,engagement,pageviews,api,surveys}.test.ts'],
          environment: 'happy-dom',
          setupFiles: ['test/sdk/setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'collector',
          include: ['test/collector/**/*.test.ts', 'test/postgres.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/size.test.ts', 'test/types.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
