// Surveys in the config: the widget's shape checked at start (errors name the
// path and the fix), and served by GET /v1/surveys as the SDK reads them.
import { describe, expect, test } from 'vitest'
import type { z } from 'zod'
import { createApp } from '../../collector/app'
import { parseConfig } from '../../collector/config'
import type { Db } from '../../collector/db/index'
import type { SurveySchema } from '../../collector/surveys'
import type { Display, Survey, Targeting, Theme } from '../../widget/types'

// Checked by tsc (npm run typecheck): the schema and widget/types.ts describe the same surveys, both ways.
type Assert<T extends true> = T
type Extends<A, B> = [A] extends [B] ? true : false
type Input = z.input<typeof SurveySchema>
type Keys<T> = keyof NonNullable<T>
export type SurveyChecks = [
  Assert<Extends<z.output<typeof SurveySchema>, Survey>>,
  Assert<Extends<Survey, Input>>,
  // a key the widget reads that the schema would refuse as unknown
  Assert<Extends<keyof Survey, keyof Input>>,
  Assert<Extends<keyof Targeting, Keys<Input['targeting']>>>,
  Assert<Extends<keyof Display, Keys<Input['display']>>>,
  Assert<Extends<keyof Theme, Keys<NonNullable<Input['display']>['theme']>>>,
]

const project = (surveys: unknown[], fields: Record<string, unknown> = {}) => ({ id: 'demo', name: 'Demo', writeKey: 'wk_1', readKey: 'rk_1', surveys, ...fields })
const problems = (surveys: unknown[], fields?: Record<string, unknown>) => {
  try {
    parseConfig({ projects: [project(surveys, fields)] }, 'northstar.config.json', {})
  } catch (error) {
    return (error as Error).message.split('\n')
  }
  throw new Error('expected the config to be refused')
}

const full = {
  id: 'nps-after-report',
  type: 'nps',
  question: { en: 'How likely are you to recommend Acme?', de: 'Wie wahrscheinlich empfehlen Sie Acme?' },
  followUp: { detractor: 'What went wrong?', promoter: { en: 'What do you love?', de: 'Was lieben Sie?' } },
  thankYou: 'Thanks!',
  targeting: {
    event: 'Report Shared',
    sessions: 3,
    daysSinceSignup: 7,
    url: { prefix: '/app' },
    traits: { plan: 'pro', admin: true },
    accountTraits: { seats: 10 },
    sample: 25,
    delaySeconds: 5,
    recontactDays: 90,
  },
  display: { position: 'bottom-left', theme: { accent: '#7c3aed', radius: '4px', scheme: 'dark', zIndex: 1000 } },
}

describe('surveys in northstar.config.json', () => {
  test('takes wording, targeting and display as the widget defines them', () => {
    expect(parseConfig({ projects: [project([full])] }).projects[0]!.surveys).toEqual([full])
  })

  test('names the path and the fix for each mistake in a survey', () => {
    expect(
      problems([
        { id: 'a', type: 'nps', targeting: { sample: 150, url: { regex: '(' } } },
        { id: 'b', type: 'csat', targeting: { event: 'X', step: 'y' } },
        { id: 'c', type: 'ces', display: { position: 'inline' } },
        { id: 'd', type: 'nps', targeting: { url: { exact: '/a', prefix: '/b' } } },
        { id: 'e', type: 'nps', targeting: { after: 'X' } },
      ]),
    ).toEqual([
      'northstar.config.json: projects[0].surveys[0].targeting.url.regex: must be a valid JavaScript regular expression (without slashes), e.g. "^/app/(reports|projects)/"',
      'northstar.config.json: projects[0].surveys[0].targeting.sample: is a percentage: 0 to 100',
      'northstar.config.json: projects[0].surveys[1].targeting: give at most one trigger: event, step or activation',
      'northstar.config.json: projects[0].surveys[2].display: an inline survey needs "target" (a CSS selector of the element to render in), and only an inline one',
      'northstar.config.json: projects[0].surveys[3].targeting.url: must give exactly one of exact, prefix or regex',
      'northstar.config.json: projects[0].surveys[4].targeting: Unrecognized key: "after" (remove it: the config file accepts only the keys in DESIGN.md)',
      'northstar.config.json: projects[0].surveys[1].targeting.step: names no step of onboarding.steps: use one of their ids (none yet)',
    ])
  })

  test('refuses a follow-up band the survey type does not have, and a misspelt one', () => {
    expect(problems([{ id: 'a', type: 'nps', followUp: { low: 'Why?' } }, { id: 'b', type: 'nps', followUp: { detractor: 'Why?', promotor: 'Yay' } }])).toEqual([
      'northstar.config.json: projects[0].surveys[1].followUp: Unrecognized key: "promotor" (remove it: the config file accepts only the keys in DESIGN.md)',
      'northstar.config.json: projects[0].surveys[0].followUp.low: is not a band of a NPS survey: use "detractor", "passive", "promoter"',
    ])
  })

  test('refuses a step trigger that names no onboarding step', () => {
    expect(problems([{ id: 'a', type: 'ces', targeting: { step: 'conect' } }], { onboarding: { steps: [{ id: 'connect', name: 'Connect' }] } })).toEqual([
      'northstar.config.json: projects[0].surveys[0].targeting.step: names no step of onboarding.steps: use one of their ids ("connect")',
    ])
  })

  test('refuses a survey type the widget does not know', () => {
    expect(problems([{ id: 'a', type: 'stars' }])).toEqual(['northstar.config.json: projects[0].surveys[0].type: must be one of "nps", "csat", "ces", not "stars"'])
  })

  test('refuses an activation trigger in a project without a value event', () => {
    expect(problems([{ id: 'a', type: 'nps', targeting: { activation: true } }])).toEqual([
      'northstar.config.json: projects[0].surveys[0].targeting.activation: needs the project\'s "activation": { "valueEvent": "…" }: add it, or target an "event"',
    ])
  })
})

describe('GET /v1/surveys', () => {
  const served = async (project: Record<string, unknown>) => {
    const app = createApp({ db: {} as Db, config: parseConfig({ projects: [{ id: 'p', name: 'P', writeKey: 'wk_p', readKey: 'rk_p', ...project }] }) })
    return ((await (await app.request('/v1/surveys?writeKey=wk_p')).json()) as { surveys: { targeting?: object }[] }).surveys.map((s) => s.targeting)
  }

  test('serves a step trigger with the event that also completes the step', async () => {
    const steps = [{ id: 'connect', name: 'Connect', event: 'Integration Connected' }, { id: 'invite', name: 'Invite' }]
    expect(await served({ onboarding: { steps }, surveys: [{ id: 'a', type: 'ces', targeting: { step: 'connect' } }, { id: 'b', type: 'ces', targeting: { step: 'invite' } }] })).toEqual([
      { step: 'connect', event: 'Integration Connected' },
      { step: 'invite' },
    ])
  })

  test('serves an activation trigger as the step the value event names', async () => {
    const steps = [{ id: 'share', name: 'Share', event: 'Report Shared' }]
    expect(await served({ onboarding: { steps }, activation: { valueEvent: 'share' }, surveys: [{ id: 'a', type: 'nps', targeting: { activation: true } }] })).toEqual([
      { activation: true, step: 'share', event: 'Report Shared' },
    ])
  })


  const config = parseConfig({
    projects: [
      project(
        [
          { id: 'after-activation', type: 'nps', targeting: { activation: true, sample: 50 } },
          { id: 'retired', type: 'csat', active: false },
          full,
        ],
        { activation: { valueEvent: 'Report Shared' } },
      ),
    ],
  })
  const app = createApp({ db: {} as Db, config })

  test('serves the active surveys, an activation trigger as the project\'s value event', async () => {
    const res = await app.request('/v1/surveys?writeKey=wk_1')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      surveys: [{ id: 'after-activation', type: 'nps', targeting: { activation: true, event: 'Report Shared', sample: 50 } }, full],
    })
  })
})
