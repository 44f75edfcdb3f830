// GET /openapi.json, generated from the same zod schemas that validate requests.
import { z } from 'zod'
import { metrics } from './metrics/index'
import { BatchBody, messageSchemas } from './schemas'

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' })
const error = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string', description: 'What is wrong and how to fix it' },
        path: { type: 'string' },
        rejected: {
          type: 'array',
          description: 'On a 400 for a batch: the messages refused, by index; the others were stored',
          items: { type: 'object', required: ['index', 'message'], properties: { index: { type: 'integer' }, message: { type: 'string' }, path: { type: 'string' } } },
        },
      },
    },
  },
}
const errors = Object.fromEntries(
  [
    ['400', 'Invalid: the body, or some messages (listed by index; the rest were stored)'],
    ['401', 'Missing or unknown key'],
    ['403', 'A key of the wrong kind, or an Origin not in allowedOrigins'],
    ['413', 'Larger than 500 KB per batch or 32 KB per message (also after gunzip)'],
    ['415', 'Not application/json or text/plain'],
    ['429', 'Rate limited: see Retry-After'],
  ].map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
)
const write = (ref: string, summary: string) => ({
  post: {
    summary,
    security: [{ basic: [] }, {}],
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: ref } }, 'text/plain': { schema: { $ref: ref } } } },
    responses: { '200': { description: 'Committed' }, ...errors },
  },
})

const parameter = (name: string, description: string, schema: object = { type: 'string' }, extra: object = {}) => ({ name, in: 'query', required: false, description, schema, ...extra })
const time = (what: string, fallback: string) => ({
  oneOf: [{ type: 'string', format: 'date-time' }, { type: 'string', format: 'date' }, { type: 'integer', description: 'epoch milliseconds' }],
  description: `${what}; default ${fallback}`,
})
const metricParameters = [
  parameter('from', 'Start of the window [from, to), included: ISO 8601 (no offset means UTC; a date alone is its midnight in tz) or epoch ms', time('start', 'to minus 30 days')),
  parameter('to', 'End of the window, excluded', time('end', 'the query time')),
  parameter('segment', 'trait:value; person traits first, then account traits, as they stand now; repeat to AND several', { type: 'array', items: { type: 'string', pattern: '^[^:]+:.*$' } }, { style: 'form', explode: true }),
  parameter('tz', 'IANA time zone for days and weeks (default UTC)', { type: 'string', example: 'Europe/Berlin' }),
  parameter('format', 'json (default) or csv (formula-escaped)', { type: 'string', enum: ['json', 'csv'] }),
]
const extraParameters: Record<string, object[]> = {
  ttv: [parameter('within', 'Count value only up to this many days after signup', { type: 'number', minimum: 0 })],
  health: [parameter('limit', 'How many subjects to list, the worst first (default 100)', { type: 'integer', minimum: 1, maximum: 100000 })],
}
const summaries: Record<string, string> = {
  ttv: 'Time to value: cohort by signup, activation, percentiles, bands, Kaplan-Meier median, time to first action',
  onboarding: 'Onboarding: steps completed, ordered funnel, conversions, completion rate, engagement score',
  satisfaction: 'NPS with its 95% interval, CSAT, CES: the latest answer per person and survey in the window',
  features: 'Feature adoption among active persons, and breadth',
  sessions: 'Sessions, average length, sessions per user per week, engaged time, DAU/WAU/MAU, stickiness',
  retention: 'Weekly retention by signup cohort, weeks 0 to 12',
  health: 'Health score per account (or person) over the 30 days before to, with components and band',
  surveys: 'Per survey: persons shown, dismissed and responding, and the response rate',
}
const metric = (name: string) => ({
  get: {
    summary: summaries[name],
    description: 'Definitions: METRICS.md. Empty sets give null statistics and zero counts.',
    security: [{ bearer: [] }],
    parameters: [...metricParameters, ...(extraParameters[name] ?? [])],
    responses: {
      '200': { description: 'The figures (JSON), or a CSV file with format=csv', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } } },
      ...errors,
    },
  },
})

export function openapi() {
  const messages = Object.fromEntries(Object.entries(messageSchemas).map(([type, s]) => [`${type[0]!.toUpperCase()}${type.slice(1)}Message`, schema(s)]))
  return {
    openapi: '3.0.3',
    info: { title: 'Northstar collector', version: '1', description: 'Segment-compatible ingestion, surveys and metrics. See DESIGN.md.' },
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'Server-side clients: the write key as the user, no password' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The project’s secret read key' },
      },
      schemas: { ...messages, Batch: schema(BatchBody), Error: error },
    },
    paths: {
      '/v1/batch': write('#/components/schemas/Batch', 'Send messages in a batch; browsers put writeKey in the body'),
      ...Object.fromEntries(Object.keys(messageSchemas).map((type) => [`/v1/${type}`, write(`#/components/schemas/${type[0]!.toUpperCase()}${type.slice(1)}Message`, `Send one ${type} message`)])),
      '/v1/surveys': {
        get: {
          summary: 'The surveys active for the write key’s project',
          parameters: [{ name: 'writeKey', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'Surveys, cacheable for 60 s (ETag)' }, '304': { description: 'Not modified' }, ...errors },
        },
      },
      '/v1/quarantine': {
        get: { summary: 'The latest rejected messages, with why', security: [{ bearer: [] }], responses: { '200': { description: 'Rejected messages' }, ...errors } },
      },
      '/v1/alerts': {
        get: {
          summary: 'The alerts of the project, newest first: cause, subject, payload, delivery status (pending, sent, failed), attempts and last error',
          security: [{ bearer: [] }],
          parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } }],
          responses: { '200': { description: 'Alerts' }, ...errors },
        },
      },
      '/v1/persons/{userId}': {
        delete: { summary: 'GDPR erasure: every event and all state of the person', security: [{ bearer: [] }], parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Erased' }, ...errors } },
      },
      '/v1/persons/{userId}/export': {
        get: { summary: 'GDPR export: the person’s events, traits and account', security: [{ bearer: [] }], parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'The person’s data' }, ...errors } },
      },
      ...Object.fromEntries(Object.keys(metrics).map((name) => [`/v1/metrics/${name}`, metric(name)])),
      '/healthz': { get: { summary: 'Liveness and database reachability', responses: { '200': { description: 'Up' }, '503': { description: 'Database unreachable' } } } },
    },
  }
}
