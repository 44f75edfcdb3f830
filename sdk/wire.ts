// The wire format, owned here as plain types (zero runtime bytes). The
// collector's zod schemas are checked against these by a type test, so the two
// sides cannot drift. Compatible with the Segment HTTP Tracking API.

export type MessageType = 'track' | 'identify' | 'group' | 'page'

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }
export type Properties = Record<string, unknown>

export interface PageContext {
  url: string
  path: string
  referrer: string
  title: string
}

export interface Context {
  /** The SDK sends a UUIDv7; RudderStack's SDKs send the session's start in epoch ms. */
  sessionId?: string | number
  /** The SDK sends all four; other Segment clients may send some or none. */
  page?: Partial<PageContext>
  library?: { name: string; version: string }
  locale?: string
  [key: string]: unknown
}

export interface Message {
  type: MessageType
  /** Opaque, 1 to 200 characters; the SDK sends UUIDv7. */
  messageId: string
  /** ISO 8601; the event time on the client's clock. */
  timestamp?: string
  originalTimestamp?: string
  sentAt?: string
  anonymousId?: string
  userId?: string
  /** track */
  event?: string
  /** page */
  name?: string
  properties?: Properties
  /** identify, group */
  traits?: Properties
  groupId?: string
  context?: Context
  [key: string]: unknown
}

/** The body of `POST /v1/batch`. The browser SDK sends it as `text/plain`. */
export interface Batch {
  batch: Message[]
  /** Stamped at each send attempt, for clock-skew correction. */
  sentAt?: string
  /** In the body for browsers (no custom headers, no preflight). */
  writeKey?: string
  /**
   * Batch-level context, applied to each message (the message's own keys win). The SDK
   * sends its messages' context here, once per batch; `droppedMessages` counts what the
   * client's full queue evicted, and is about the batch, not its messages.
   */
  context?: Context & { droppedMessages?: number }
}

/** One message the collector refused, by its index in the batch. */
export interface Rejection {
  index: number
  message: string
  path?: string
}

/** Every error the collector answers. A 400 on a batch lists the rejected messages; the rest were stored. */
export interface ErrorResponse {
  error: {
    code: string
    message: string
    path?: string
    rejected?: Rejection[]
  }
}

// Reserved track events of the SDK and the widget.
export interface StepProperties { step: string }
export interface FeatureProperties { feature: string }
export interface EngagementProperties { engagedMs: number }
export type SurveyType = 'nps' | 'csat' | 'ces'
export interface SurveyResponseProperties {
  surveyId: string
  type: SurveyType
  score: number
  comment?: string
}
