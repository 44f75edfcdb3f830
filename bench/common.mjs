// What the benchmark scripts share: paths, bundling their TypeScript entry with
// esbuild (the collector is TypeScript with extensionless imports), a fresh
// database on the throwaway PostgreSQL, CPU accounting from /proc, and tables and
// number formatting.
import { readdirSync, readFileSync } from 'node:fs'
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

// CPU accounting from /proc. The machine may be shared: how much CPU each process
// and the rest of the machine took during a phase says how far to trust its figures.

/** A process's CPU time so far (utime + stime), in ticks of 1/100 s; undefined once it is gone. */
export function ticksOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(f[11]) + Number(f[12])
  } catch {
    return undefined
  }
}

/** The whole machine's busy and total ticks so far. */
export function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
  return { busy: total - f[3] - f[4], total }
}

/** The postmaster and its children (backends, walwriter, checkpointer…). */
export function postgresPids(postmaster) {
  if (!postmaster) return []
  const pids = [postmaster]
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) == postmaster) pids.push(Number(name))
    } catch {}
  }
  return pids
}

/** A plain-text table: the first column left-aligned, the others right-aligned unless `align` says 'l'. */
export function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => ((align?.[i] ?? (i ? 'r' : 'l')) == 'l' ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
