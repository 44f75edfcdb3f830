// Surveys in northstar.config.json: the widget defines their shape
// (widget/types.ts), this schema checks it at start with errors that name the
// path, and `GET /v1/surveys` serves the active ones as the SDK reads them.
import { z } from 'zod'
import type { Survey as SurveyType } from '../widget/types'

/** A config id: of a project, step, feature or survey. */
export const Id = z.string().regex(/^[A-Za-z0-9][\w.-]{0,63}$/, 'must be 1 to 64 letters, digits, "_", "-" or ".", starting with a letter or digit')
/** A BCP 47 tag as locales are keyed: "en", "de-AT", "zh-Hant-TW". */
const LocaleTag = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
const Text = z.union([z.string().min(1), z.record(LocaleTag, z.string().min(1))], { error: 'must be a text, or an object of texts by locale such as { "en": "…", "de": "…" }' })
const Count = z.number().int().min(0)
const Value = z.union([z.string(), z.number(), z.boolean()])
const Color = z.string().min(1)
const regex = z.string().refine(
  (s) => {
    try {
      return !!new RegExp(s)
    } catch {
      return false
    }
  },
  { message: 'must be a valid JavaScript regular expression (without slashes), e.g. "^/app/(reports|projects)/"' },
)

export const SurveySchema = z.strictObject({
  id: Id,
  type: z.enum(['nps', 'csat', 'ces']),
  question: Text.optional(),
  followUp: z
    .union([z.literal(true), Text, z.strictObject({ detractor: Text, passive: Text, promoter: Text, low: Text, high: Text }).partial()])
    .optional(),
  thankYou: Text.optional(),
  active: z.boolean().optional(),
  targeting: z
    .strictObject({
      event: z.string().min(1).optional(),
      step: z.string().min(1).optional(),
      activation: z.boolean().optional(),
      sessions: Count.optional(),
      daysSinceSignup: z.number().min(0).optional(),
      url: z
        .strictObject({ exact: z.string().min(1), prefix: z.string().min(1), regex })
        .partial()
        .refine((u) => Object.keys(u).length == 1, 'must give exactly one of exact, prefix or regex')
        .optional(),
      traits: z.record(z.string(), Value).optional(),
      accountTraits: z.record(z.string(), Value).optional(),
      sample: z.number().min(0).max(100, 'is a percentage: 0 to 100').optional(),
      delaySeconds: z.number().min(0).optional(),
      recontactDays: z.number().min(0).optional(),
    })
    .refine((t) => [t.event, t.step, t.activation].filter(Boolean).length <= 1, 'give at most one trigger: event, step or activation')
    .optional(),
  display: z
    .strictObject({
      position: z.enum(['bottom-right', 'bottom-left', 'center', 'inline']).optional(),
      target: z.string().min(1).optional(),
      theme: z
        .strictObject({
          accent: Color,
          onAccent: Color,
          background: Color,
          text: Color,
          muted: Color,
          border: Color,
          font: z.string().min(1),
          radius: z.string().min(1),
          scheme: z.enum(['light', 'dark', 'auto']),
          zIndex: z.number().int(),
        })
        .partial()
        .optional(),
    })
    .refine((d) => (d.position == 'inline') == !!d.target, 'an inline survey needs "target" (a CSS selector of the element to render in), and only an inline one')
    .optional(),
}) satisfies z.ZodType<SurveyType>

export type Survey = z.infer<typeof SurveySchema>

/** The score bands a follow-up can name, per survey type. */
export const BANDS = { nps: ['detractor', 'passive', 'promoter'], csat: ['low', 'high'], ces: ['low', 'high'] } as const

interface Step {
  id: string
  event?: string | undefined
}

/**
 * The surveys `GET /v1/surveys` serves: the active ones, with their trigger as the SDK matches it.
 * A step is done by its `$step` id or by the event it names, so a step trigger carries both;
 * activation is the value event, which may name a step.
 */
export function servedSurveys(surveys: Survey[], steps: Step[], valueEvent: string | undefined): Survey[] {
  const trigger = (stepOrEvent: { step?: string; event?: string }) => {
    const step = steps.find((s) => s.id == (stepOrEvent.step ?? stepOrEvent.event))
    return step ? { step: step.id, ...(step.event && { event: step.event }) } : stepOrEvent
  }
  return surveys
    .filter((s) => s.active !== false)
    .map((s) => {
      const t = s.targeting
      if (!t?.activation && !t?.step) return s
      return { ...s, targeting: { ...t, ...trigger(t.activation ? { event: valueEvent } : { step: t.step }) } }
    })
}
