// Options of init(), their defaults, and the checks that name a misuse.
import type { Store } from './storage'
import type { SurveyOptions } from './surveys'

export interface Options {
  /** The project's write key (wk_...), from northstar.config.json. */
  writeKey: string
  /** The collector's origin, e.g. "https://northstar.example.com". */
  host: string
  /** Send as soon as this many messages wait (default 20). */
  flushAt?: number
  /** Otherwise send this long after the first waits, in ms (default 5000). */
  flushInterval?: number
  /** Beyond this many waiting messages the oldest are dropped, and reported (default 10,000). */
  maxQueue?: number
  /** Track a page view at init and on every SPA navigation (default true). */
  autoPageviews?: boolean
  /** Track engaged time as $engagement events (default true). */
  engagement?: boolean
  /** Send nothing when the browser says Do Not Track (default false). */
  respectDoNotTrack?: boolean
  /** Send nothing when the browser sends Global Privacy Control (default false). */
  respectGlobalPrivacyControl?: boolean
  /** Send nothing from automated browsers and crawlers (default false: logged-in apps rarely see bots, and tests drive real browsers). */
  filterBots?: boolean
  /** Warn in the console about dropped events and refused sends (default false). */
  debug?: boolean
  /** Survey options (locale, theme, nonce, quiet period), or `false` to never fetch or show surveys (default on). */
  surveys?: false | SurveyOptions
  /** Where the queue persists (default IndexedDB); tests pass a memory store. */
  store?: Store
}

export type Config = typeof defaults & Options

/** The options that default to on or to a number; the others are off unless given. */
export const defaults = {
  flushAt: 20,
  flushInterval: 5000,
  maxQueue: 10_000,
  autoPageviews: true,
  engagement: true,
}

export function configure(options: Options): Config {
  const config = { ...defaults, ...options }
  if (typeof config.writeKey != 'string' || !config.writeKey) throw new TypeError('northstar.init: writeKey is required, e.g. "wk_..."')
  if (typeof config.host != 'string' || !/^https?:\/\//.test(config.host))
    throw new TypeError(`northstar.init: host must be the collector's origin, e.g. "https://northstar.example.com"`)
  if (__DEV__)
    for (const key of ['flushAt', 'flushInterval', 'maxQueue'] as const)
      if (!(config[key] >= 1)) throw new TypeError(`northstar.init: ${key} must be a positive number`)
  return { ...config, host: config.host.replace(/\/+$/, '') }
}
