import { describe, expect, test } from 'vitest'
import type { z } from 'zod'
import { BatchBody, Group, Identify, Page, reserved, Track, validateMessage } from '../../collector/schemas'
import type { Batch, EngagementProperties, FeatureProperties, Message, StepProperties, SurveyResponseProperties } from '../../sdk/wire'

// Checked by tsc (npm run typecheck), not at run time: a drift between sdk/wire.ts and the schemas fails the build.
type Assert<T extends true> = T
type Extends<A, B> = [A] extends [B] ? true : false
/** An interface as a plain object type: interfaces have no implicit index signature, and zod's loose objects have one. */
type Plain<T> = { [K in keyof T]: T[K] }
type Named<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] }
type SchemaKeys = keyof typeof Track.shape | keyof typeof Identify.shape | keyof typeof Group.shape | keyof typeof Page.shape
export type WireChecks = [
  // every valid message is a wire Message
  Assert<Extends<z.infer<typeof Track>, Message>>,
  Assert<Extends<z.infer<typeof Identify>, Message>>,
  Assert<Extends<z.infer<typeof Group>, Message>>,
  Assert<Extends<z.infer<typeof Page>, Message>>,
  // and every named field of the wire Message is known to a schema
  Assert<Extends<Exclude<Named<Message>, SchemaKeys>, never>>,
  // a batch body as the SDK sends it is one the collector reads
  Assert<Extends<Plain<Batch>, z.input<typeof BatchBody>>>,
  // the reserved events' properties: what the SDK and the widget send passes, and what passes is what they type
  Assert<Extends<Plain<StepProperties>, z.input<typeof reserved.$step>>>,
  Assert<Extends<z.infer<typeof reserved.$step>, StepProperties>>,
  Assert<Extends<Plain<FeatureProperties>, z.input<typeof reserved.$feature>>>,
  Assert<Extends<z.infer<typeof reserved.$feature>, FeatureProperties>>,
  Assert<Extends<Plain<EngagementProperties>, z.input<typeof reserved.$engagement>>>,
  Assert<Extends<z.infer<typeof reserved.$engagement>, EngagementProperties>>,
  Assert<Extends<Plain<SurveyResponseProperties>, z.input<typeof reserved.$survey_response>>>,
  Assert<Extends<z.infer<typeof reserved.$survey_response>, SurveyResponseProperties>>,
]

describe('the zod schemas and the wire types of sdk/wire.ts', () => {
  test('a survey response of the widget passes, and its score ranges are enforced per type', () => {
    const response: SurveyResponseProperties = { surveyId: 'nps-main', type: 'nps', score: 10, comment: 'Great' }
    expect(reserved.$survey_response.safeParse(response).success).toBe(true)
    for (const [type, ok, bad] of [
      ['nps', [0, 10], [-1, 11]],
      ['csat', [1, 5], [0, 6]],
      ['ces', [1, 7], [0, 8]],
    ] as const) {
      for (const score of ok) expect(reserved.$survey_response.safeParse({ surveyId: 's', type, score }).success, `${type} ${score}`).toBe(true)
      for (const score of bad) expect(reserved.$survey_response.safeParse({ surveyId: 's', type, score }).success, `${type} ${score}`).toBe(false)
    }
  })

  test('names the first problem by its path', () => {
    expect(validateMessage({ type: 'track', messageId: 'm', anonymousId: 'a', event: '$feature', properties: { feature: '' } })).toEqual({
      ok: false,
      path: 'properties.feature',
      message: 'must not be empty',
    })
    expect(validateMessage({ type: 'alias', messageId: 'm' })).toEqual({ ok: false, path: 'type', message: 'must be "track", "identify", "group" or "page" (got "alias")' })
    expect(validateMessage({ type: 'track', messageId: 'm', anonymousId: 'a', event: '$custom' })).toMatchObject({ ok: false, path: 'event' })
  })
})

test('a survey response keeps keys the widget adds beyond surveyId, type, score and comment', () => {
  const result = validateMessage({
    type: 'track',
    messageId: 'm',
    anonymousId: 'a',
    event: '$survey_response',
    properties: { surveyId: 'nps-main', type: 'nps', score: 9, comment: 'Fast', locale: 'de', followUp: 'promoter' },
  })
  expect(result).toMatchObject({ ok: true, message: { properties: { locale: 'de', followUp: 'promoter' } } })
})
