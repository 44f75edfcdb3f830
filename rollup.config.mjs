// Builds dist/: the script-tag bundle (IIFE, global `northstar`), the ESM
// build, the survey widget chunk (both forms), the copy-paste snippet with its
// CSP hash, and the type declarations.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { transform as esbuildTransform } from 'esbuild'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import esbuild from 'rollup-plugin-esbuild'

const { version } = JSON.parse(readFileSync('package.json', 'utf8'))
const transform = (dev) => [nodeResolve(), esbuild({ target: 'es2020', define: { __VERSION__: JSON.stringify(version), __DEV__: String(dev) } })]
const minify = () => terser({ ecma: 2020, compress: { passes: 3 }, format: { comments: false } })

/** `import css from './theme.css?inline'`, as vite reads it in tests: the minified text. */
const inlineCss = {
  name: 'inline-css',
  async load(id) {
    if (!id.endsWith('.css?inline')) return null
    const { code } = await esbuildTransform(readFileSync(id.slice(0, -7), 'utf8'), { loader: 'css', minify: true })
    return `export default ${JSON.stringify(code.trim())}`
  },
}

const widgetEntry = resolve('widget/index.tsx')
const collectorEntries = { collector: 'collector/cli.ts', 'collector-writer': 'collector/db/writer-thread.ts', 'collector-reader': 'collector/metrics/reader-thread.ts' }
/** The SDK core never contains the widget: the ESM build imports its twin file, the script tag injects a script (sdk/widget-script.ts). */
const widgetBy = (how) => ({
  name: 'widget-loader',
  async resolveId(source, importer) {
    if (how == 'script' && source == './widget' && importer?.endsWith('sdk/track.ts')) return resolve('sdk/widget-script.ts')
    if (how == 'import' && source == '../widget/index') return { id: widgetEntry, external: true }
    return null
  },
})

/** The snippet is pasted inline: publish the hash a `script-src 'sha256-…'` CSP needs. */
const snippetHash = {
  name: 'snippet-hash',
  generateBundle(_, bundle) {
    const code = bundle['snippet.min.js'].code.trim()
    bundle['snippet.min.js'].code = code
    this.emitFile({ type: 'asset', fileName: 'snippet.sha256', source: `sha256-${createHash('sha256').update(code).digest('base64')}\n` })
  },
}

/** Declarations: tsc 7 has no JavaScript API, so run it as a command. */
const declarations = {
  name: 'declarations',
  writeBundle() {
    execFileSync('node_modules/.bin/tsc', ['sdk/index.ts', 'sdk/env.d.ts', 'widget/env.d.ts', '--ignoreConfig', '--declaration', '--emitDeclarationOnly', '--outDir', 'dist/types', '--rootDir', '.',
      '--jsx', 'react-jsx', '--jsxImportSource', 'preact',
      '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2022,dom,dom.iterable', '--skipLibCheck', '--strict'], { stdio: 'inherit' })
    writeFileSync('dist/northstar.d.ts', "export * from './types/sdk/index.js'\n")
  },
}

export default [
  {
    input: 'sdk/browser.ts',
    output: { file: 'dist/northstar.js', format: 'iife', name: 'northstar', plugins: [minify()] },
    plugins: [widgetBy('script'), ...transform(false)],
  },
  {
    // The same with the misuse checks, for development.
    input: 'sdk/browser.ts',
    output: { file: 'dist/northstar.dev.js', format: 'iife', name: 'northstar' },
    plugins: [widgetBy('script'), ...transform(true)],
  },
  {
    input: 'sdk/index.ts',
    output: { file: 'dist/northstar.mjs', format: 'es', paths: { [widgetEntry]: './northstar-widget.mjs' } },
    plugins: [widgetBy('import'), ...transform(true), declarations],
  },
  {
    input: 'widget/index.tsx',
    output: [
      { file: 'dist/northstar-widget.js', format: 'iife', name: 'northstarWidget', plugins: [minify()] },
      { file: 'dist/northstar-widget.mjs', format: 'es', plugins: [minify()] },
    ],
    plugins: [inlineCss, ...transform(false)],
  },
  {
    // The collector, for `npm start` and the `northstar` command (tests run its sources), and its
    // SQLite writer and metrics reader threads. What they share goes in a chunk beside them, so
    // `new URL('./collector-writer.mjs', import.meta.url)` finds a thread from whichever file holds server.ts.
    input: collectorEntries,
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].mjs',
      // one chunk for all they share, rather than one per combination of entries
      manualChunks: (id) => (Object.values(collectorEntries).some((entry) => id.endsWith(entry)) ? undefined : 'shared'),
      chunkFileNames: 'collector-[name].mjs',
      banner: (chunk) => (chunk.name == 'collector' ? '#!/usr/bin/env node' : ''),
    },
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
    plugins: [esbuild({ target: 'node20' })],
  },
  {
    input: 'sdk/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es', plugins: [minify(), snippetHash] },
  },
]
