// Real Chromium for the tests and benches that need a browser: Debian's
// /usr/bin/chromium driven by playwright-core (never a browser download).
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

// Without the background-networking flags Chromium dials Google's hosts at
// every start, and this machine's closed network refuses them.
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

function check() {
  if (!existsSync(executablePath))
    throw new Error(`Chromium not found at ${executablePath}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)`)
}

/**
 * A browser whose profile (IndexedDB, localStorage) lives in a fresh folder and
 * survives close(): reopen it with the same `dir` to come back to "the browser".
 * @param {{ dir?: string, args?: string[] }} [options]
 */
export async function launch(options = {}) {
  check()
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'northstar-chromium-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath,
    headless: true,
    args: [...args, ...(options.args ?? [])],
  })
  return { context, dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
