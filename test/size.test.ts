// Size budgets, as Nanostores keeps them: brotli sizes of the built files
// against the budgets in package.json, and the README's quoted sizes against
// the build. Runs after `npm run build` (npm test does both).
import { existsSync, readFileSync } from 'node:fs'
import { brotliCompressSync, constants } from 'node:zlib'
import { describe, expect, test } from 'vitest'

const { sizeBudgets } = JSON.parse(readFileSync('package.json', 'utf8')) as { sizeBudgets: Record<string, number> }
const readme = readFileSync('README.md', 'utf8')

export const brotli = (file: string) =>
  brotliCompressSync(readFileSync(file), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length
const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`

describe.each(Object.entries(sizeBudgets))('%s', (file, budget) => {
  test(`stays within its budget of ${kb(budget)} brotli`, () => {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`)
    const size = brotli(file)
    console.log(`${file}: ${kb(size)} brotli (budget ${kb(budget)})`)
    expect(size, `${file} is ${kb(size)} brotli, over its ${kb(budget)} budget`).toBeLessThanOrEqual(budget)
  })

  test('is quoted truly in the README', () => {
    const quoted = new RegExp(`\\| \`${file}\` \\| ([\\d.]+ KB) \\|`).exec(readme)?.[1]
    expect(quoted, `README.md should have a row "| \`${file}\` | ${kb(brotli(file))} |"`).toBe(kb(brotli(file)))
  })
})

test('the README shows the snippet as built, with its CSP hash', () => {
  const snippet = readFileSync('dist/snippet.min.js', 'utf8').trim()
  const hash = readFileSync('dist/snippet.sha256', 'utf8').trim()
  expect(readme.includes(snippet), 'README.md should show dist/snippet.min.js as built').toBe(true)
  expect(readme.includes(`'${hash}'`), `README.md should quote the snippet's hash '${hash}'`).toBe(true)
})
