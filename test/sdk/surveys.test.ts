import { delay, http, HttpResponse } from 'msw'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi, type MockInstance } from 'vitest'
import type { Options } from '../../sdk/index'
import type { Survey } from '../../widget/types'
import { client } from './client'
import { fakeCollector, host, networkError, status } from './collector'
import { answer, DAY, dismiss, fakeClock, removeSurveys, settle, shown, survey, until } from './surveys-helpers'

const collector = fakeCollector()
/** GET /v1/surveys requests made, and answered. */
let asked = 0
let answered = 0
collector.server.events.on('request:start', ({ request }) => void (request.method == 'GET' && asked++))
collector.server.events.on('response:mocked', ({ request }) => void (request.method == 'GET' && answered++))

beforeAll(async () => {
  collector.server.listen({ onUnhandledRequest: 'error' })
  // The SDK imports the widget when a survey is due: compiled here once, so a
  // survey that is due appears within settle() in every test, the first too.
  await import('../../widget/index')
})
// Ids never go back in time within a page (sdk/id.ts), and the first visit is
// read from the anonymous id: each test's clock starts after the last one's ended.
let start = Date.now()
beforeEach(() => {
  asked = answered = 0
  history.replaceState(null, '', '/') // here, not after: a live client would take it as a navigation
  fakeClock(start)
})
afterEach(() => {
  start = Date.now() + DAY
  vi.useRealTimers()
  vi.restoreAllMocks()
  collector.reset()
  collector.server.resetHandlers()
  removeSurveys()
})
afterAll(() => collector.server.close())

const HOUR = 36e5
const serve = (...surveys: Survey[]) => collector.surveys.push(...surveys)

/** A client, as a page load: once GET /v1/surveys has answered and the SDK has acted on it. */
async function load(options: Partial<Options> = {}) {
  const before = answered
  const c = client(options)
  await until(() => expect(answered).toBe(before + 1))
  await settle()
  return c
}

/** How often `call` rolled Math.random; msw calls it too, for request ids, but never synchronously within a track(). */
function rolls(random: MockInstance, call: () => void) {
  const before = random.mock.calls.length
  call()
  return random.mock.calls.length - before
}

/** The `$survey_*` messages the collector received, as [event, properties]. */
const reported = () => collector.tracked().flatMap((m) => (m.event!.startsWith('$survey_') ? [[m.event, m.properties]] : []))

describe('triggers', () => {
  test('shows a survey with an event trigger right after that event, not after others', async () => {
    serve(survey('a', { event: 'Report Shared' }))
    const c = await load()
    c.track('Report Viewed')
    c.page()
    await settle()
    expect(shown()).toEqual([])
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('shows a survey with a step trigger right after that onboarding step', async () => {
    serve(survey('a', { step: 'connect-data' }))
    const c = await load()
    c.step('invite-team')
    c.track('connect-data')
    await settle()
    expect(shown()).toEqual([])
    c.step('connect-data')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('shows an activation survey right after the value event the collector filled in', async () => {
    serve(survey('a', { activation: true, event: 'Report Shared' }))
    const c = await load()
    c.page()
    c.step('connect-data')
    await settle()
    expect(shown()).toEqual([])
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('shows a step survey after the event that also completes the step, as the collector serves it', async () => {
    serve(survey('a', { step: 'connect', event: 'Integration Connected' }))
    const c = await load()
    c.track('Integration Connected')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('counts a trigger tracked before the surveys have arrived', async () => {
    serve(survey('a', { event: 'Report Shared' }))
    const c = client()
    c.track('Report Shared') // at once, as a snippet's replayed calls are
    expect(answered).toBe(0)
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('shows a survey without a trigger as soon as the surveys are loaded', async () => {
    serve(survey('a'))
    await load()
    expect(shown()).toEqual(['a'])
  })

  test('shows a survey without a trigger after a page view, not after other events', async () => {
    serve(survey('a', { url: { prefix: '/reports' } }))
    const c = await load()
    history.pushState(null, '', '/reports/42') // no page view: autoPageviews is off
    c.track('Report Viewed')
    await settle()
    expect(shown()).toEqual([])
    c.page()
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('shows a survey without a trigger after an SPA navigation', async () => {
    serve(survey('a', { url: { prefix: '/reports' } }))
    await load({ autoPageviews: true })
    expect(shown()).toEqual([])
    history.pushState(null, '', '/reports/42')
    await until(() => expect(shown()).toEqual(['a']))
  })
})

describe('targeting', () => {
  test('waits for the number of sessions; a session starts after 30 minutes idle', async () => {
    serve(survey('a', { sessions: 3 }))
    const c = await load()
    c.page() // session 1
    await vi.advanceTimersByTimeAsync(HOUR / 2)
    c.page() // 2
    await vi.advanceTimersByTimeAsync(HOUR / 2 - 1000)
    c.page() // still 2
    await settle()
    expect(shown()).toEqual([])
    await vi.advanceTimersByTimeAsync(HOUR / 2)
    c.page() // 3
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('counts the days since signup from the createdAt trait', async () => {
    serve(survey('a', { event: 'Report Shared', daysSinceSignup: 7 }))
    const c = await load()
    c.identify('user-1', { createdAt: new Date(Date.now() - 7 * DAY + HOUR).toISOString() })
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
    vi.setSystemTime(Date.now() + HOUR)
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('counts the days since signup from the first visit without createdAt, across page loads', async () => {
    serve(survey('a', { event: 'Report Shared', daysSinceSignup: 7 }))
    const firstVisit = Date.now()
    ;(await load()).shutdown()
    vi.setSystemTime(firstVisit + 7 * DAY - HOUR)
    const c = await load()
    c.identify('user-1') // no createdAt: still the first visit of this browser
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
    vi.setSystemTime(firstVisit + 7 * DAY)
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  const origin = location.origin
  test.each([
    ['exactly, a value starting with "/" against the path', { exact: '/pricing' }, '/pricing/faq', '/pricing?ref=nav'],
    ['exactly, another value against the whole URL', { exact: `${origin}/pricing?plan=pro` }, '/pricing', '/pricing?plan=pro'],
    ['by prefix, a value starting with "/" against the path', { prefix: '/reports/' }, '/reports', '/reports/42'],
    ['by prefix, another value against the whole URL', { prefix: `${origin}/reports?id=` }, '/reports/42', '/reports?id=42'],
    ['by a regular expression on the whole URL', { regex: '^https?://[^/]+/reports/\\d+$' }, '/reports/new', '/reports/42'],
  ])('matches the URL %s', async (_, url, elsewhere, there) => {
    serve(survey('a', { url }))
    const c = await load()
    history.pushState(null, '', elsewhere)
    c.page()
    await settle()
    expect(shown()).toEqual([])
    history.pushState(null, '', there)
    c.page()
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('requires person traits (identify) and account traits (group) to be equal', async () => {
    serve(survey('a', { event: 'Report Shared', traits: { plan: 'pro', seats: 5 }, accountTraits: { tier: 'enterprise' } }))
    const c = await load()
    c.identify('user-1', { plan: 'pro', seats: '5' })
    c.group('acme', { tier: 'enterprise' })
    c.track('Report Shared')
    c.identify('user-1', { seats: 5 }) // merged with plan: pro
    c.group('acme', { tier: 'startup' })
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
    c.group('acme', { tier: 'enterprise' })
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('forgets the person traits of a previous user on identify of another', async () => {
    serve(survey('a', { event: 'Report Shared', traits: { plan: 'pro' } }))
    const c = await load()
    c.identify('user-1', { plan: 'pro' })
    c.identify('user-2')
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
    c.identify('user-2', { plan: 'pro' })
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('forgets the account traits of a previous user on identify of another', async () => {
    serve(survey('a', { event: 'Report Shared', accountTraits: { tier: 'enterprise' } }))
    const c = await load()
    c.identify('user-1')
    c.group('acme', { tier: 'enterprise' })
    c.identify('user-2')
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
  })

  test('forgets the traits it kept when the person opts out', async () => {
    serve(survey('a', { event: 'Report Shared', traits: { plan: 'pro' } }))
    const c = await load()
    c.identify('user-1', { plan: 'pro' })
    c.optOut()
    expect([localStorage.getItem('northstar:traits'), localStorage.getItem('northstar:groupTraits')]).toEqual([null, null])
  })

  test('starts the traits over, without throwing, when what it kept is unreadable', async () => {
    serve(survey('a', { event: 'Report Shared', traits: { plan: 'pro' } }))
    const c = await load()
    localStorage.setItem('northstar:traits', '{not json')
    c.identify('user-1', { plan: 'pro' })
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('replaces the account traits when the person joins another account', async () => {
    serve(survey('a', { event: 'Report Shared', accountTraits: { tier: 'enterprise' } }))
    const c = await load()
    c.identify('user-1')
    c.group('acme', { tier: 'enterprise' })
    c.group('globex', { seats: 3 })
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
  })

  test('forgets person and account traits on reset()', async () => {
    serve(survey('person', { event: 'Report Shared', traits: { plan: 'pro' } }), survey('account', { event: 'Report Shared', accountTraits: { tier: 'enterprise' } }))
    const c = await load()
    c.identify('user-1', { plan: 'pro' })
    c.group('acme', { tier: 'enterprise' })
    c.reset()
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
  })
})

describe('sampling', () => {
  test('rolls once per person: one sampled out is not shown, not after later triggers nor after a reload', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5) // 50 of 100: out of a 10 % sample
    serve(survey('a', { event: 'Report Shared', sample: 10 }))
    const c = await load()
    expect(rolls(random, () => c.track('Report Shared'))).toBe(1)
    random.mockReturnValue(0) // in, were it rolled again
    expect(rolls(random, () => c.track('Report Shared'))).toBe(0)
    c.shutdown()
    const reloaded = await load()
    expect(rolls(random, () => reloaded.track('Report Shared'))).toBe(0)
    await settle()
    expect(shown()).toEqual([])
  })

  test('shows the survey to a person sampled in', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.05)
    serve(survey('a', { event: 'Report Shared', sample: 10 }))
    const c = await load()
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })
})

describe('delay', () => {
  test('waits delaySeconds before showing a survey', async () => {
    serve(survey('a', { event: 'Report Shared', delaySeconds: 30 }))
    const c = await load()
    c.track('Report Shared')
    await vi.advanceTimersByTimeAsync(29_000)
    await settle()
    expect(shown()).toEqual([])
    await vi.advanceTimersByTimeAsync(1000)
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('does not show a delayed survey when the page no longer matches, or the person changed', async () => {
    serve(survey('a', { event: 'Report Shared', url: { prefix: '/reports' }, delaySeconds: 30 }))
    history.pushState(null, '', '/reports/1')
    const c = await load()
    c.track('Report Shared')
    history.pushState(null, '', '/settings')
    await vi.advanceTimersByTimeAsync(30_000)
    await settle()
    expect(shown()).toEqual([])

    history.pushState(null, '', '/reports/2')
    c.track('Report Shared')
    c.reset()
    await vi.advanceTimersByTimeAsync(30_000)
    await settle()
    expect(shown()).toEqual([])
  })

  test('does not show a delayed survey when another was shown meanwhile', async () => {
    serve(survey('a', { event: 'Report Shared', delaySeconds: 30 }), survey('b', { event: 'never' }))
    const c = await load()
    const otherTab = await load()
    c.track('Report Shared')
    await vi.advanceTimersByTimeAsync(10_000)
    otherTab.showSurvey('b')
    await until(() => expect(shown()).toEqual(['b']))
    await dismiss()
    await vi.advanceTimersByTimeAsync(20_000)
    await settle()
    expect(shown()).toEqual([])
  })
})

describe('throttling', () => {
  test('never shows two surveys at once', async () => {
    serve(survey('a'), survey('b'))
    const c = await load({ surveys: { quietDays: 0 } })
    expect(shown()).toEqual(['a'])
    c.page()
    c.showSurvey('b')
    await settle()
    expect(shown()).toEqual(['a'])
    await dismiss()
    c.page()
    await until(() => expect(shown()).toEqual(['b']))
  })

  test.each([
    { days: 14, surveys: {} },
    { days: 3, surveys: { quietDays: 3 } },
  ])('waits a quiet period of $days days after a survey was shown before showing another (surveys: $surveys)', async ({ days, surveys }) => {
    serve(survey('a'), survey('b'))
    const c = await load({ surveys })
    const a = Date.now()
    await dismiss()
    vi.setSystemTime(a + days * DAY - HOUR)
    c.page()
    await settle()
    expect(shown()).toEqual([])
    vi.setSystemTime(a + days * DAY)
    c.page()
    await until(() => expect(shown()).toEqual(['b']))
  })

  test('does not show a dismissed survey again', async () => {
    serve(survey('a'))
    const c = await load({ surveys: { quietDays: 0 } })
    await dismiss()
    c.page()
    vi.setSystemTime(Date.now() + 365 * DAY)
    c.page()
    await settle()
    expect(shown()).toEqual([])
  })

  test('never shows an answered survey again without recontactDays', async () => {
    serve(survey('a'))
    const c = await load({ surveys: { quietDays: 0 } })
    await answer(9)
    c.page()
    vi.setSystemTime(Date.now() + 365 * DAY)
    c.page()
    await settle()
    expect(shown()).toEqual([])
  })

  test('shows an answered survey again after recontactDays', async () => {
    serve(survey('a', { recontactDays: 30 }))
    const c = await load()
    const a = Date.now()
    await answer(9)
    vi.setSystemTime(a + 30 * DAY - HOUR)
    c.page()
    await settle()
    expect(shown()).toEqual([])
    vi.setSystemTime(a + 30 * DAY)
    c.page()
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('remembers what was shown, and when, across page loads', async () => {
    serve(survey('a'), survey('b'))
    const first = await load()
    const a = Date.now()
    await dismiss()
    first.shutdown()
    const c = await load() // a was seen; b waits for the quiet period
    expect(shown()).toEqual([])
    vi.setSystemTime(a + 14 * DAY)
    c.page()
    await until(() => expect(shown()).toEqual(['b']))
  })

  test('does not show a survey again to a visitor who saw it and then signs in', async () => {
    serve(survey('a'))
    const c = await load()
    await dismiss()
    c.identify('user-1')
    await settle()
    expect(shown()).toEqual([])
  })

  test('keeps what was shown per person', async () => {
    serve(survey('a', { event: 'Report Shared' }))
    const c = await load()
    c.identify('user-1')
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
    await dismiss()
    c.identify('user-2')
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
    await dismiss()
    c.identify('user-1')
    c.track('Report Shared')
    await settle()
    expect(shown()).toEqual([])
  })
})

describe('reports', () => {
  // flushAt and flushInterval far off: what arrives was sent at once
  const later = { flushAt: 100, flushInterval: HOUR }

  test('sends $survey_shown and $survey_response, with the score and comment, at once', async () => {
    serve(survey('a', undefined, { followUp: true }))
    await load(later)
    await until(() => expect(reported()).toEqual([['$survey_shown', { surveyId: 'a', type: 'nps' }]]))
    await answer(9, 'The weekly report')
    await until(() =>
      expect(reported()).toEqual([
        ['$survey_shown', { surveyId: 'a', type: 'nps' }],
        ['$survey_response', { surveyId: 'a', type: 'nps', score: 9, comment: 'The weekly report' }],
      ]),
    )
  })

  test('sends $survey_dismissed at once when the survey is closed without a score', async () => {
    serve(survey('a', undefined, { type: 'csat' }))
    await load(later)
    await dismiss()
    await until(() =>
      expect(reported()).toEqual([
        ['$survey_shown', { surveyId: 'a', type: 'csat' }],
        ['$survey_dismissed', { surveyId: 'a', type: 'csat' }],
      ]),
    )
  })
})

describe('showSurvey()', () => {
  test('shows a survey whatever its targeting, and within the quiet period', async () => {
    serve(survey('a'), survey('b', { event: 'never', url: { exact: '/elsewhere' }, sample: 0 }))
    const c = await load()
    await dismiss()
    c.showSurvey('b')
    await until(() => expect(shown()).toEqual(['b']))
  })

  test('shows a dismissed survey again, but not an answered one', async () => {
    serve(survey('a', { event: 'never' }))
    const c = await load()
    c.showSurvey('a')
    await until(() => expect(shown()).toEqual(['a']))
    await dismiss()
    c.showSurvey('a')
    await until(() => expect(shown()).toEqual(['a']))
    await answer(10)
    vi.setSystemTime(Date.now() + 365 * DAY)
    c.showSurvey('a')
    await settle()
    expect(shown()).toEqual([])
  })

  test('shows an answered survey again once recontactDays allow', async () => {
    serve(survey('a', { event: 'never', recontactDays: 30 }))
    const c = await load()
    c.showSurvey('a')
    await until(() => expect(shown()).toEqual(['a']))
    const a = Date.now()
    await answer(10)
    vi.setSystemTime(a + 30 * DAY - HOUR)
    c.showSurvey('a')
    await settle()
    expect(shown()).toEqual([])
    vi.setSystemTime(a + 30 * DAY)
    c.showSurvey('a')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('ignores an unknown id, and warns in debug mode', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    serve(survey('a', { event: 'never' }))
    const c = await load({ debug: true })
    c.showSurvey('nope')
    await settle()
    expect(shown()).toEqual([])
    expect(warn).toHaveBeenCalledWith('[northstar] Ignoring showSurvey(nope): no active survey with that id')
  })
})

describe('off, opted out, failing', () => {
  test('never fetches surveys with surveys: false', async () => {
    serve(survey('a'), survey('b', { event: 'Report Shared' }))
    const c = client({ surveys: false, autoPageviews: true })
    c.track('Report Shared')
    c.showSurvey('b')
    await settle()
    expect(asked).toBe(0)
    expect(shown()).toEqual([])
  })

  test('shows no survey to a person who opted out', async () => {
    serve(survey('a', { event: 'Report Shared' }), survey('b', { url: { prefix: '/reports' } }))
    const c = await load()
    c.optOut()
    c.track('Report Shared')
    history.pushState(null, '', '/reports')
    c.page()
    c.showSurvey('a')
    await settle()
    expect(shown()).toEqual([])
  })

  test('shows no survey on load to a person who opted out on an earlier page', async () => {
    serve(survey('a'))
    const earlier = client({ surveys: false })
    earlier.optOut()
    earlier.shutdown()
    await load()
    expect(shown()).toEqual([])
  })

  test('does not show a delayed survey once the person opted out', async () => {
    serve(survey('a', { event: 'Report Shared', delaySeconds: 30 }))
    const c = await load()
    c.track('Report Shared')
    c.optOut()
    await vi.advanceTimersByTimeAsync(30_000)
    await settle()
    expect(shown()).toEqual([])
  })

  test.each([
    ['answers 500', status(500)],
    ['is unreachable', networkError()],
  ])('shows nothing and keeps tracking when GET /v1/surveys %s', async (_, failure) => {
    collector.server.use(http.get(`${host}/v1/surveys`, failure))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    serve(survey('a'))
    const c = client({ debug: true, autoPageviews: true })
    await until(() => expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[northstar\] No surveys: /)))
    c.track('Report Shared')
    c.showSurvey('a')
    c.flush() // awaited, it would wait on the fake clock
    await until(() => expect(collector.messages().map((m) => m.event ?? m.type)).toEqual(['page', 'Report Shared']))
    expect(shown()).toEqual([])
  })

  test('takes the survey off the page when another user signs in, and on reset()', async () => {
    serve(survey('a', { event: 'Report Shared', recontactDays: 0 }))
    const c = await load()
    c.identify('user-1')
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
    c.identify('user-2')
    expect(shown()).toEqual([])
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
    c.reset()
    expect(shown()).toEqual([])
  })

  test('keeps the survey on the page when a visitor signs in', async () => {
    serve(survey('a', { event: 'Report Shared' }))
    const c = await load()
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
    c.identify('user-1')
    expect(shown()).toEqual(['a'])
  })

  test('shows nothing more after shutdown(): the open survey goes, a delayed one never comes', async () => {
    serve(survey('a', { event: 'Report Shared' }), survey('b', { event: 'Later', delaySeconds: 5 }, { targeting: { event: 'Later', delaySeconds: 5 } }))
    const c = await load({ surveys: { quietDays: 0 } })
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
    c.shutdown()
    expect(shown()).toEqual([])
    const d = await load({ surveys: { quietDays: 0 } })
    d.track('Later')
    d.shutdown()
    await vi.advanceTimersByTimeAsync(10_000)
    await settle()
    expect(shown()).toEqual([])
  })

  test('starts over, without throwing, when the kept survey state is unreadable', async () => {
    serve(survey('a', { event: 'Report Shared' }))
    const c = await load()
    localStorage.setItem(`northstar:surveys:${localStorage.getItem('northstar:anonymousId')}`, '[1]')
    c.track('Report Shared')
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('gives up on a GET /v1/surveys that never answers: no survey, and tracking goes on', async () => {
    collector.server.use(http.get(`${host}/v1/surveys`, () => delay('infinite')))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    // The platform's timeout runs on a clock the fake timers do not reach: stand in for it.
    const timeout = new AbortController()
    const timeoutFor = vi.spyOn(AbortSignal, 'timeout').mockReturnValue(timeout.signal)
    const c = client({ debug: true })
    expect(timeoutFor).toHaveBeenCalledWith(30_000)
    timeoutFor.mockRestore() // the sends below keep their own
    c.track('Report Shared') // waits on the survey list
    timeout.abort(new DOMException('The operation timed out.', 'TimeoutError'))
    await until(() => expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[northstar\] No surveys: /)))
    c.flush()
    await until(() => expect(collector.messages().map((m) => m.event)).toEqual(['Report Shared']))
    expect(shown()).toEqual([])
  })

  test('takes an answer without a list of surveys (another server on that path) as none, and tracks without a warning', async () => {
    collector.server.use(http.get(`${host}/v1/surveys`, () => HttpResponse.json({ status: 1 })))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const c = await load({ debug: true })
    c.track('Report Shared')
    c.flush()
    await until(() => expect(collector.messages().map((m) => m.event ?? m.type)).toEqual(['Report Shared']))
    expect(warn).not.toHaveBeenCalled()
  })
})

describe('the person', () => {
  /** What another tab of the site does to localStorage, as this tab sees it: a storage event. */
  const otherTab = (key: string, value: string | null) => {
    if (value == null) localStorage.removeItem(key)
    else localStorage.setItem(key, value)
    dispatchEvent(new StorageEvent('storage', { key, newValue: value }))
  }
  const by = () => collector.tracked().flatMap((m) => (m.event!.startsWith('$survey_') ? [[m.event, m.userId ?? 'visitor']] : []))

  test('another tab opting out takes the survey off this page', async () => {
    serve(survey('a', { event: 'X' }))
    const c = await load()
    c.track('X')
    await until(() => expect(shown()).toEqual(['a']))
    otherTab('northstar:optOut', '1')
    await settle()
    expect(shown()).toEqual([])
    c.optIn()
  })

  test('another user signing in, in another tab, takes this tab’s survey off the page: no answer is theirs', async () => {
    serve(survey('a', { event: 'X' }))
    const c = await load()
    c.identify('user-1')
    c.track('X')
    await until(() => expect(shown()).toEqual(['a']))
    otherTab('northstar:userId', 'user-2')
    await settle()
    expect(shown()).toEqual([])
    await until(() => expect(by()).toEqual([['$survey_shown', 'user-1']]))
  })

  test('a visitor who signs in during a survey’s delay is still shown it: the same person', async () => {
    serve(survey('a', { event: 'X', delaySeconds: 5 }))
    const c = await load()
    c.track('X')
    c.identify('user-1')
    await vi.advanceTimersByTimeAsync(6000)
    await until(() => expect(shown()).toEqual(['a']))
  })

  test('the next user to sign in does not inherit what the visitor saw: that was the first user’s', async () => {
    serve(survey('a', { event: 'X' }))
    const c = await load()
    c.track('X')
    await until(() => expect(shown()).toEqual(['a']))
    await answer(9)
    c.identify('user-1')
    c.track('X')
    await settle()
    expect(shown()).toEqual([]) // user-1 was that visitor: answered
    c.identify('user-2')
    c.track('X')
    await until(() => expect(shown()).toEqual(['a']))
    await answer(8)
    c.identify('user-1')
    c.track('X')
    await settle()
    expect(shown()).toEqual([]) // still answered for user-1
  })

  test('an event tracked before the surveys arrive shows nothing to the next person after reset()', async () => {
    serve(survey('a', { event: 'X' }))
    const before = answered
    const c = client()
    c.identify('user-1')
    c.track('X')
    c.reset()
    await until(() => expect(answered).toBe(before + 1))
    await settle()
    expect(shown()).toEqual([])
  })

  test('an inline survey whose place is not on this page leaves the next survey free to show', async () => {
    serve(survey('inline', undefined, { display: { position: 'inline', target: '#nps-slot' } }), survey('b'))
    const c = await load()
    c.page()
    await settle()
    expect(shown()).toEqual(['b'])
  })

  test('two projects on one site keep their own survey state, though their surveys share an id', async () => {
    serve(survey('nps-main', { event: 'X' }))
    const one = await load({ surveys: { quietDays: 0 } })
    one.track('X')
    await until(() => expect(shown()).toEqual(['nps-main']))
    await answer(9)
    one.shutdown()
    const two = await load({ writeKey: 'wk_other', surveys: { quietDays: 0 } })
    two.track('X')
    await until(() => expect(shown()).toEqual(['nps-main']))
  })

  test('keeps what 0.x recorded for the person, site-wide, until this project records its own', async () => {
    serve(survey('a', { event: 'X' }))
    const c = await load()
    localStorage.setItem(`northstar:surveys:${localStorage.getItem('northstar:anonymousId')}`, JSON.stringify({ q: 0, s: { a: [0, Date.now()] } }))
    c.track('X')
    await settle()
    expect(shown()).toEqual([]) // answered, never to be shown again without recontactDays
  })
})
