// What the benchmark scripts share: paths, bundling their TypeScript entry with
// esbuild (the collector is TypeScript with extensionless imports), a fresh
// database on the throwaway PostgreSQL, and number formatting.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('..', import.meta.url))
export const here = (file) => join(root, 'bench', file)

/** Bundles bench/<name>.ts into node_modules/.cache/ (~0.1 s, packages external) and returns the file to import. */
export async function bundleLib(name) {
  const { build } = await import('esbuild')
  const outfile = join(root, `node_modules/.cache/northstar-bench/${name}.mjs`)
  await build({ entryPoints: [here(`${name}.ts`)], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'warning' })
  return outfile
}

/** Creates database `name` on the cluster; its URL, the server's version and the postmaster's pid. */
export async function freshPgDatabase(pg, name) {
  const { default: Pg } = await import('pg')
  const client = new Pg.Client({ connectionString: pg.url })
  await client.connect()
  try {
    await client.query(`create database ${name}`)
    const show = async (q) => Object.values((await client.query(q)).rows[0])[0]
    const postmaster = Number(readFileSync(join(await show('show data_directory'), 'postmaster.pid'), 'utf8').split('\n')[0])
    return { url: pg.url.replace(/\/[^/]*$/, `/${name}`), version: (await show('show server_version')).split(' ')[0], postmaster }
  } finally {
    await client.end()
  }
}

/** The q-quantile, interpolated between the closest ranks (numpy's default); NaN of nothing. */
export function quantile(values, q) {
  if (!values?.length) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * q
  const below = Math.floor(position)
  const above = Math.min(below + 1, sorted.length - 1)
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below)
}

export const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-')
export const ms = (n) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : '-')
