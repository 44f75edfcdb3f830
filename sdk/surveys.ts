// Survey eligibility: which of the project's surveys (GET /v1/surveys) is due
// for this person, now, on this page. Nothing of the widget is loaded until one
// is. What a person has seen, answered and been sampled for is kept per person
// in localStorage, so it survives reloads and holds across tabs.
import type { MountOptions, Survey, Widget, WidgetEvent } from '../widget/types'
import { readJson, type Local } from './storage'
import { TIMEOUT } from './transport'
import type { Properties } from './wire'

export interface SurveyOptions extends Omit<MountOptions, 'on'> {
  /** Days after any survey was shown before another may be (default 14). */
  quietDays?: number
}

interface Deps {
  url: string
  /** The project's write key: another project on the site keeps its own survey state. */
  writeKey: string
  local: Local
  options: SurveyOptions
  /** The widget chunk (sdk/widget.ts). */
  load(): Promise<Widget>
  /** Tracks a `$survey_*` event and sends it at once. */
  emit(event: string, properties: Properties): void
  warn(message: string): void
  now(): number
  /** False while the person opted out or the browser blocks tracking: no survey is shown then. */
  allowed(): boolean
}

/** Per survey: when last shown, when last answered, and the sticky sample roll (1 in, 0 out). */
type Seen = [shown?: number, answered?: number, sampled?: number]
/** `q` is when any survey was last shown: the global quiet period runs from it. */
interface State {
  q?: number
  s: Record<string, Seen>
}

const DAY = 864e5
/** State this SDK wrote (traits, survey state): checked where it is read. */
const get = (local: Local, key: string) => readJson<any>(local, `northstar:${key}`)

export function createSurveys({ url, writeKey, local, options, load, emit, warn, now, allowed }: Deps) {
  /** Undefined until GET /v1/surveys has answered. */
  let surveys: Survey[] | undefined
  /** A survey is waiting out its delay or on screen: never two at once. */
  let busy = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let unmount: (() => void) | undefined
  let stopped = false
  /** Counts close(): a widget that finishes loading after one is not mounted. */
  let closes = 0
  const stateOf = (person: string | null) => `surveys:${writeKey}:${person}`
  const anonymous = () => stateOf(local.get('northstar:anonymousId'))
  const key = () => stateOf(local.get('northstar:userId') || local.get('northstar:anonymousId'))
  const valid = (state: State | null) => (state?.s && typeof state.s == 'object' ? state : null)
  // A visitor who signs in is the same person: until the user has a state of their own, the anonymous one holds.
  // (0.x kept it per person for the whole site: read once no state of this project's exists.)
  const read = (): State =>
    valid(get(local, key())) ?? valid(get(local, anonymous())) ?? valid(get(local, key().replace(`${writeKey}:`, ''))) ?? { s: {} }
  const save = (state: State) => local.set(`northstar:${key()}`, JSON.stringify(state))
  /** Not seen before, or seen (shown, dismissed or answered) longer ago than the recontact period allows. */
  const again = (s: Survey, at: number | undefined, t: number) => at == null || t - at >= (s.targeting?.recontactDays ?? Infinity) * DAY

  /** Every targeting rule holds, the survey is not throttled, and `event` is its trigger (none for page-level surveys). */
  function due(s: Survey, t: number, event?: string, properties?: Properties): boolean {
    const g = s.targeting ?? {}
    // A step is done by its $step id or by the event it names (the collector serves both)
    const fired = (g.event != null && event == g.event) || (g.step != null && event == '$step' && properties?.step == g.step)
    if (g.event != null || g.step != null ? !fired : event != null) return false
    const state = read()
    if (!again(s, state.s[s.id]?.[0], t) || t - (state.q ?? -Infinity) < (options.quietDays ?? 14) * DAY) return false
    const { href, pathname } = location
    const match = g.url ?? {}
    const at = (v: string) => (v[0] == '/' ? pathname : href)
    if ((match.exact != null && at(match.exact) != match.exact) || (match.prefix != null && !at(match.prefix).startsWith(match.prefix))) return false
    if (match.regex != null && !new RegExp(match.regex).test(href)) return false
    if ((g.sessions ?? 0) > (+local.get('northstar:sessions')! || 0)) return false
    // an inline survey needs its place on this page; without it, the next survey may be due
    if (s.display?.position == 'inline' && !document.querySelector(s.display.target!)) return false
    const traits = get(local, 'traits') ?? {}
    if (g.daysSinceSignup && t - (Date.parse(traits.createdAt) || firstVisit(local)) < g.daysSinceSignup * DAY) return false
    const equal = (want: object | undefined, have: Record<string, unknown>) => Object.entries(want ?? {}).every(([k, v]) => have[k] === v)
    if (!equal(g.traits, traits) || !equal(g.accountTraits, get(local, 'groupTraits') ?? {})) return false
    if (g.sample != null) {
      // A person not sampled stays unsampled: rolled once, then kept.
      const seen = (state.s[s.id] ??= [])
      if (seen[2] == null) {
        seen[2] = +(Math.random() * 100 < g.sample)
        save(state)
      }
      if (!seen[2]) return false
    }
    return true
  }

  /** What the widget reports, recorded for throttling and tracked; never throws into the widget's handlers. */
  function record(s: Survey, e: WidgetEvent) {
    try {
      const t = now()
      const state = read()
      const seen = (state.s[s.id] ??= [])
      const properties = { surveyId: s.id, type: s.type }
      if (e.kind == 'shown') {
        state.q = seen[0] = t
        emit('$survey_shown', properties)
      }
      if (e.kind == 'dismissed') emit('$survey_dismissed', properties)
      if (e.kind == 'response') {
        seen[1] = t
        emit('$survey_response', { ...properties, score: e.score, comment: e.comment })
      }
      save(state)
      if (e.kind == 'closed') close()
    } catch (error) {
      warn(`Ignoring survey ${s.id}: ${error}`)
    }
  }

  function show(s: Survey) {
    busy = true
    const ticket = closes
    load()
      .then((widget) => {
        if (!stopped && ticket == closes && allowed()) unmount = widget.mount(s, { ...options, on: (e) => record(s, e) })
      })
      .catch((error) => {
        busy = false
        warn(`Ignoring survey ${s.id}: ${error}`)
      })
  }

  /** Takes the survey off the page, or stops one waiting out its delay, or one deferred until the surveys arrive: the person changed, or the client stopped. */
  function close() {
    closes++
    clearTimeout(timer)
    unmount?.()
    unmount = undefined
    busy = false
  }

  // Bounded like every send: events tracked meanwhile wait on it (consider) and must not wait forever.
  const ready = fetch(url, { signal: AbortSignal.timeout?.(TIMEOUT) })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`GET /v1/surveys answered ${r.status}`))))
    // Anything but a list (another server on that path) is no surveys, not an error on every event.
    .then((body: { surveys?: Survey[] }) => (surveys = Array.isArray(body?.surveys) ? body.surveys.filter((s) => s?.id && s.type) : []))
    .catch((error) => {
      surveys = []
      warn(`No surveys: ${error}`)
    })
  ready.then(() => consider())

  /** After a tracked event, or with none after a page view or identify: shows the first survey that is due, after its delay. */
  function consider(event?: string, properties?: Properties) {
    // An event tracked before the surveys arrive (at init, or replayed from the snippet) still counts, for the person who tracked it
    const ticket = closes
    if (!surveys) return void ready.then(() => ticket == closes && consider(event, properties))
    if (busy || stopped || !allowed()) return
    const dueNow = (s: Survey) => {
      try {
        return due(s, now(), event, properties)
      } catch {
        return false // e.g. a regex this browser cannot compile: that survey, not the others
      }
    }
    const s = surveys.find(dueNow)
    if (!s) return
    busy = true
    // Everything is checked again when the delay is over: another tab may have shown a survey, or the
    // page changed. A change of person (reset, another user, here or in another tab) closes, cancelling this.
    timer = setTimeout(() => {
      busy = false
      if (!stopped && allowed() && (!s.targeting?.delaySeconds || dueNow(s))) show(s)
    }, (s.targeting?.delaySeconds ?? 0) * 1000)
  }

  return {
    consider,
    /**
     * Another user signs in, or the person resets: what the visitor saw before signing in was the signed-in
     * user's, and stays theirs; the next user starts with nothing of it.
     */
    handover() {
      const visitor = valid(get(local, anonymous()))
      if (visitor) {
        if (local.get('northstar:userId') && !valid(get(local, key()))) save(visitor)
        local.remove(`northstar:${anonymous()}`)
      }
      close()
    },
    /** Shows survey `id` now, whatever its targeting, unless it was answered and recontact does not allow it yet. */
    show: (id: string) =>
      ready.then(() => {
        const s = surveys!.find((s) => s.id == id)
        if (!s) warn(`Ignoring showSurvey(${id}): no active survey with that id`)
        else if (!busy && !stopped && again(s, read().s[id]?.[1], now())) show(s)
      }),
    close,
    stop() {
      stopped = true
      close()
    },
  }
}

/** The anonymous id is a UUIDv7: its first 48 bits are the first visit, in ms. */
const firstVisit = (local: Local) => parseInt(local.get('northstar:anonymousId')!.replace('-', '').slice(0, 12), 16)
