// Types of chromium.mjs, for the TypeScript tests beside it.
import type { BrowserContext } from 'playwright-core'

export const executablePath: string

/** A browser on a profile folder that survives close(): reopen it with the same `dir`. */
export function launch(options?: { dir?: string; args?: string[] }): Promise<{ context: BrowserContext; dir: string; remove: () => void }>
