// The published types as a user's TypeScript reads them: `import … from 'northstar'`,
// resolved through package.json's exports to dist/northstar.d.ts, in a strict program
// that also checks the declaration files themselves. Runs after `npm run build` (npm test does both).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'

const root = new URL('..', import.meta.url).pathname

const usage = `
import { createClient, flush, identify, init, track, type FlushResult, type Message, type Options, type Survey } from 'northstar'

const options: Options = { writeKey: 'wk_x', host: 'https://collector.example', surveys: { quietDays: 7 } }
init(options).track('Signed Up', { plan: 'pro' })
track('Report Shared')
identify('user-1', { plan: 'pro' })
export const result: Promise<FlushResult> = flush()
export const message: Pick<Message, 'type' | 'messageId'> = { type: 'track', messageId: 'm' }
export const kind: Survey['type'] = 'nps'
createClient(options).shutdown()
// @ts-expect-error the write key is required
init({ host: 'https://collector.example' })
// @ts-expect-error an event name is a string
track(42)
`

test('dist/northstar.d.ts types a strict program that imports the package by name, and refuses misuse', () => {
  if (!existsSync(join(root, 'dist/northstar.d.ts'))) throw new Error('dist/northstar.d.ts is missing: run `npm run build` first')
  const dir = mkdtempSync(join(tmpdir(), 'northstar-types-'))
  try {
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(root, join(dir, 'node_modules', 'northstar'))
    writeFileSync(join(dir, 'usage.ts'), usage)
    const tsc = join(root, 'node_modules/.bin/tsc')
    const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', '--types', '', 'usage.ts']
    let output = ''
    try {
      execFileSync(tsc, args, { cwd: dir, encoding: 'utf8' })
    } catch (error) {
      output = String((error as { stdout?: string }).stdout)
    }
    expect(output).toBe('')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
