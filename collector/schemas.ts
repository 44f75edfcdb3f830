// The wire format as zod schemas. sdk/wire.ts owns the types; a type test
// (test/collector/schemas.test.ts) checks these against them, so zod never
// enters the browser bundle and the two sides cannot drift.
import { z } from 'zod'
import { parseIsoTime } from './metrics/time'

/** Ids are opaque: analytics-node sends `node-next-<epoch>-<uuid>`, so never require UUID form. */
const Id = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters')

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i
export const Timestamp = z
  .string()
  .refine((s) => ISO.test(s) && parseIsoTime(s) != null, 'must be an ISO 8601 date-time, e.g. "2026-11-22T09:30:00.000Z"')

const Dict = z.record(z.string(), z.unknown())

const Context = z.looseObject({
  // RudderStack's SDKs send the session's start in epoch ms: a number, unique only per device (toRow pairs it with it)
  sessionId: z.union([Id, z.number().int().min(0)]).optional(),
  page: z.looseObject({ url: z.string(), path: z.string(), referrer: z.string(), title: z.string() }).partial().optional(),
  library: z.looseObject({ name: z.string(), version: z.string() }).optional(),
  locale: z.string().optional(),
})

/** Optional, and null is absent too: analytics.js sends `"userId": null` for a visitor not signed in. */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined)

const common = {
  messageId: Id,
  timestamp: optional(Timestamp),
  originalTimestamp: optional(Timestamp),
  sentAt: optional(Timestamp),
  anonymousId: optional(Id),
  userId: optional(Id),
  context: optional(Context),
  properties: optional(Dict),
  // names indexed with their values (traits, person_traits): PostgreSQL's B-trees take about 2.7 KB an entry
  traits: optional(z.record(z.string().max(200, 'a trait’s name must be at most 200 characters'), z.unknown())),
}

// Strict about what the metrics read (ranges, whole scores); other keys the widget adds are kept, as everywhere.
const score = <T extends string>(type: T, min: number, max: number) =>
  z.looseObject({
    surveyId: Id,
    type: z.literal(type),
    score: z.number().int(`must be a whole number from ${min} to ${max} for a ${type.toUpperCase()} survey`).min(min, `must be from ${min} to ${max} for a ${type.toUpperCase()} survey`).max(max, `must be from ${min} to ${max} for a ${type.toUpperCase()} survey`),
    comment: z.string().max(5000).optional(),
  })

/** The reserved events of the SDK and the widget, with their properties checked strictly. */
export const reserved = {
  $step: z.looseObject({ step: Id }),
  $feature: z.looseObject({ feature: Id }),
  $engagement: z.looseObject({ engagedMs: z.number().int().min(0).max(86_400_000) }),
  $survey_shown: z.looseObject({ surveyId: Id }),
  $survey_dismissed: z.looseObject({ surveyId: Id }),
  $survey_response: z.discriminatedUnion('type', [score('nps', 0, 10), score('csat', 1, 5), score('ces', 1, 7)], {
    error: 'type must be "nps", "csat" or "ces"',
  }),
} satisfies Record<string, z.ZodType>

export const Track = z
  .looseObject({ ...common, type: z.literal('track'), event: z.string().min(1, 'must not be empty').max(200) })
  .superRefine((m, ctx) => {
    if (!m.event.startsWith('$')) return
    const schema = Object.hasOwn(reserved, m.event) ? reserved[m.event as keyof typeof reserved] : undefined
    if (!schema) {
      ctx.addIssue({ code: 'custom', path: ['event'], message: `"${m.event}": names starting with $ are reserved for ${Object.keys(reserved).join(', ')}` })
      return
    }
    const result = schema.safeParse(m.properties ?? {})
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: ['properties', ...issue.path] } as z.core.$ZodRawIssue)
  })
export const Identify = z.looseObject({ ...common, type: z.literal('identify') })
export const Group = z.looseObject({ ...common, type: z.literal('group'), groupId: Id })
export const Page = z.looseObject({ ...common, type: z.literal('page'), name: z.string().max(200).optional() })

export const messageSchemas = { track: Track, identify: Identify, group: Group, page: Page }
export type MessageType = keyof typeof messageSchemas
export type ValidMessage = z.infer<(typeof messageSchemas)[MessageType]>

export const BatchBody = z.looseObject({
  batch: z.array(z.unknown()).min(1, 'must hold at least one message').max(10_000),
  sentAt: Timestamp.optional(),
  writeKey: z.string().optional(),
  context: Dict.optional(),
})

export interface Invalid {
  path: string
  message: string
}

export const formatPath = (path: PropertyKey[]) =>
  path.reduce<string>((s, k) => (typeof k == 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '')

/** Validates one message: the first problem, named by its path, or the message. */
export function validateMessage(input: unknown): { ok: true; message: ValidMessage } | ({ ok: false } & Invalid) {
  if (typeof input != 'object' || input == null || Array.isArray(input)) return { ok: false, path: '', message: 'a message must be a JSON object' }
  const type = (input as { type?: unknown }).type
  const schema = messageSchemas[type as MessageType]
  if (!schema || !Object.hasOwn(messageSchemas, type as string))
    return { ok: false, path: 'type', message: `must be "track", "identify", "group" or "page" (got ${JSON.stringify(type) ?? 'nothing'})` }
  const result = schema.safeParse(input)
  if (!result.success) {
    const issue = result.error.issues[0]!
    return { ok: false, path: formatPath(issue.path), message: issue.message }
  }
  const message = result.data
  if (!message.anonymousId && !message.userId) return { ok: false, path: 'anonymousId', message: 'a message needs an anonymousId or a userId (or both)' }
  return { ok: true, message }
}
