// One Northstar client: the verbs that make messages, and the wiring of the
// queue, session, engagement and page views around them.
import { configure, type Config, type Options } from './config'
import { createEngagement } from './engagement'
import { flat, uuidv7 } from './id'
import { createLock } from './lock'
import { watchPageviews } from './pageviews'
import { byteLength, createQueue, type FlushResult } from './queue'
import { createSession } from './session'
import { idbStore, localStore, readJson, type Local } from './storage'
import { createSurveys } from './surveys'
import { loadWidget } from './widget'
import type { Message, MessageType, PageContext, Properties } from './wire'

const ANONYMOUS_ID = 'northstar:anonymousId'
const USER_ID = 'northstar:userId'
const OPTED_OUT = 'northstar:optOut'
/** Person and account traits, kept for survey targeting. */
const TRAITS = 'northstar:traits'
const GROUP_TRAITS = 'northstar:groupTraits'
const GROUP = 'northstar:groupId'
/** The collector refuses larger messages (DESIGN.md). */
const MAX_MESSAGE = 32 * 1024
const library = { name: 'northstar', version: __VERSION__ }

export interface Client {
  track(event: string, properties?: Properties): void
  identify(userId: string, traits?: Properties): void
  group(groupId: string, traits?: Properties): void
  page(name?: string, properties?: Properties): void
  /** Marks onboarding step `id` done: `$step` with `properties.step`. */
  step(id: string): void
  /** Marks feature `id` used: `$feature` with `properties.feature`. */
  feature(id: string): void
  /** Sends everything waiting now. Never rejects: a failed send resolves `{ error }`. */
  flush(): Promise<FlushResult>
  /** Starts a new anonymous person and session (on logout). */
  reset(): void
  /** Stops all tracking in this browser and clears the queue; remembered across pages. */
  optOut(): void
  optIn(): void
  /** Shows survey `id` now, whatever its targeting, unless this person answered it and its recontact period has not passed. */
  showSurvey(id: string): void
  /** Removes every listener and hook (tests, and apps that unmount the SDK). */
  shutdown(): void
}

function privacyBlocks(config: Config): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean }
  return !!(
    (config.respectDoNotTrack && nav.doNotTrack == '1') ||
    (config.respectGlobalPrivacyControl && nav.globalPrivacyControl == true) ||
    (config.filterBots && (nav.webdriver || /bot|crawl|spider|headless|lighthouse/i.test(nav.userAgent)))
  )
}

/**
 * Throws for misuse only, naming the call; everything after this never throws into the page.
 * Development builds only, as Preact keeps its checks in preact/debug: production trusts its callers.
 */
function check(call: string, what: string, value: unknown, optional = false) {
  if (!__DEV__ || (optional && value == null)) return
  const ok = what == 'properties' || what == 'traits' ? typeof value == 'object' && !Array.isArray(value) : typeof value == 'string' && value.length > 0 && value.length <= 200
  if (!ok) throw new TypeError(`northstar.${call}: ${what} must be ${what == 'properties' || what == 'traits' ? 'an object' : 'a string of 1 to 200 characters'}`)
}

/** Traits are merged as the collector merges them: a later call overrides the keys it names. */
function merge(local: Local, key: string, traits: Properties | undefined) {
  try {
    if (traits) local.set(key, JSON.stringify({ ...readJson<Properties>(local, key), ...traits }))
  } catch {
    // traits that do not serialize (a cycle, a BigInt): send() warns of them, and nothing throws into the page
  }
}

export function createClient(options: Options): Client {
  const config = configure(options)
  const local = localStore()
  const now = () => Date.now()
  const warned = new Set<string>()
  const warn = (message: string, always?: boolean) => {
    if ((config.debug || always) && !warned.has(message)) {
      warned.add(message)
      console.warn(`[northstar] ${message}`)
    }
  }
  const queue = createQueue({
    ...config,
    url: `${config.host}/v1/batch`,
    store: config.store ?? idbStore(),
    local,
    lock: createLock('northstar:send', local),
    warn,
  })
  const session = createSession(local, now)
  /** The person changed (another user, reset, opt-out): their engaged time is theirs, their traits go, and their survey closes. */
  const forgetPerson = () => {
    engagement?.flush()
    for (const key of [TRAITS, GROUP_TRAITS, GROUP]) local.remove(key)
    surveys?.handover()
  }
  const blocked = privacyBlocks(config)

  let userId: string | undefined
  /** `,"anonymousId":…,"userId":…` as every message carries it, and its UTF-8 bytes beyond one a character. */
  let identity = ''
  let identityExtra = 0
  let optedOut = false
  const load = () => {
    let anonymousId = local.get(ANONYMOUS_ID)
    if (!anonymousId) local.set(ANONYMOUS_ID, (anonymousId = uuidv7()))
    userId = local.get(USER_ID) || undefined
    identity = `,"anonymousId":${JSON.stringify(anonymousId)}${userId ? `,"userId":${JSON.stringify(userId)}` : ''}`
    identityExtra = byteLength(identity) - identity.length
    optedOut = !!local.get(OPTED_OUT)
    // Nothing queued is sent once the person opted out (here or in another tab), nor what earlier pages left
    if (optedOut || blocked) queue.clear()
  }
  load()
  // identify, reset, opt-out or a new session in another tab applies here too
  const onStorage = (e: StorageEvent) => {
    if (!e.key?.startsWith('northstar:')) return
    load()
    session.reload()
    // another tab signed in, reset or opted out: this tab's survey was for someone else, or for no one
    if (e.key == USER_ID || e.key == ANONYMOUS_ID || e.key == OPTED_OUT) surveys?.close()
  }

  // track() runs in the host page's hot paths: what does not change between
  // events (the page, the context, the timestamp within a millisecond) is
  // computed once and reused, and the message is written as JSON directly.
  const locale = navigator.language
  let page: PageContext | undefined
  let pageAt = 0
  /** The page context, read from the DOM at most once a second and after every SPA navigation. */
  const pageContext = (t: number): PageContext => {
    if (!page || t - pageAt >= 1000) {
      pageAt = t
      const { href, pathname } = location
      if (!page || page.url != href || page.title != document.title) page = { url: href, path: pathname, referrer: document.referrer, title: document.title }
    }
    return page
  }
  let contextOf: [sessionId: string, page: PageContext | undefined, json: string, bytes: number] = ['', undefined, '', 0]
  let isoMs = -1
  let iso = ''

  function send(type: MessageType, fields: Partial<Message>) {
    if (blocked || optedOut) return
    try {
      const t = now()
      if (t != isoMs) iso = new Date((isoMs = t)).toISOString()
      const messageId = uuidv7(t)
      const sessionId = session.touch(t)
      const p = pageContext(t)
      if (contextOf[0] != sessionId || contextOf[1] != p) {
        const context = JSON.stringify({ sessionId, page: p, library, locale })
        contextOf = [sessionId, p, context, byteLength(context)]
      }
      const rest = JSON.stringify(fields) // {"event":…,"properties":…}
      // The context goes once per batch (the queue's envelope), not in every message
      const json = flat(`{"type":"${type}","messageId":"${messageId}","timestamp":"${iso}"${identity}${rest.length > 2 ? `,${rest.slice(1, -1)}` : ''}}`)
      // Only the caller's fields and the identity can be other than ASCII: the rest is not scanned
      const size = json.length + byteLength(rest) - rest.length + identityExtra
      if (size + contextOf[3] > MAX_MESSAGE) warn(`Ignoring ${type}: larger than 32 KB`)
      else {
        queue.push(messageId, json, contextOf[2], size)
        surveys?.consider(fields.event, fields.properties)
      }
    } catch (error) {
      warn(`Ignoring ${type}: ${error}`) // e.g. properties with a cycle
    }
  }

  const onHide = () => {
    engagement?.flush()
    queue.flushOnHide()
  }
  const onVisibility = () => document.visibilityState == 'hidden' && onHide()
  // Page was restored from the back/forward cache: that is a new view
  const onPageshow = (e: PageTransitionEvent) => e.persisted && config.autoPageviews && client.page()

  const client: Client = {
    track(event, properties) {
      check('track', 'event', event)
      check('track', 'properties', properties, true)
      send('track', { event, properties })
    },
    identify(id, traits) {
      check('identify', 'userId', id)
      check('identify', 'traits', traits, true)
      if (id != userId && !optedOut) {
        if (userId) {
          // another user in this browser; a visitor who signs in stays the same person
          forgetPerson()
        }
        local.set(USER_ID, id)
        load()
      }
      if (!optedOut) merge(local, TRAITS, traits)
      send('identify', { traits })
    },
    group(groupId, traits) {
      check('group', 'groupId', groupId)
      check('group', 'traits', traits, true)
      if (!optedOut) {
        if (local.get(GROUP) != groupId) {
          local.set(GROUP, groupId)
          local.remove(GROUP_TRAITS) // another account's
        }
        merge(local, GROUP_TRAITS, traits)
      }
      send('group', { groupId, traits })
    },
    page(name, properties) {
      check('page', 'name', name, true)
      check('page', 'properties', properties, true)
      send('page', { name, properties })
    },
    step(id) {
      check('step', 'id', id)
      send('track', { event: '$step', properties: { step: id } })
    },
    feature(id) {
      check('feature', 'id', id)
      send('track', { event: '$feature', properties: { feature: id } })
    },
    flush: () => queue.flush(),
    reset() {
      forgetPerson()
      local.remove(USER_ID)
      local.remove(ANONYMOUS_ID)
      session.reset()
      load()
    },
    optOut() {
      local.set(OPTED_OUT, '1')
      forgetPerson()
      load() // which clears the queue
    },
    optIn() {
      local.remove(OPTED_OUT)
      optedOut = false
    },
    showSurvey(id) {
      check('showSurvey', 'id', id)
      if (!blocked && !optedOut) surveys?.show(id)
    },
    shutdown() {
      surveys?.stop()
      queue.stop()
      engagement?.stop()
      stopPageviews()
      removeEventListener('storage', onStorage)
      removeEventListener('pagehide', onHide)
      removeEventListener('pageshow', onPageshow)
      document.removeEventListener('visibilitychange', onVisibility)
    },
  }

  const surveys =
    config.surveys === false
      ? undefined
      : createSurveys({
          url: `${config.host}/v1/surveys?writeKey=${encodeURIComponent(config.writeKey)}`,
          writeKey: config.writeKey,
          local,
          options: config.surveys ?? {},
          load: () => loadWidget(config.host, config.surveys ? config.surveys.nonce : undefined),
          emit(event, properties) {
            client.track(event, properties)
            queue.flush()
          },
          warn,
          now,
          allowed: () => !blocked && !optedOut,
        })
  const engagement = config.engagement ? createEngagement((engagedMs) => send('track', { event: '$engagement', properties: { engagedMs } }), now) : undefined
  addEventListener('storage', onStorage)
  addEventListener('pagehide', onHide)
  addEventListener('pageshow', onPageshow)
  document.addEventListener('visibilitychange', onVisibility)
  if (config.autoPageviews) client.page()
  const stopPageviews = watchPageviews(() => {
    page = undefined // a new page: read it now
    if (config.autoPageviews) client.page()
  })
  return client
}
