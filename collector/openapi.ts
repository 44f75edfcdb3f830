// GET /openapi.json, generated from the same zod schemas that validate requests.
import { z } from 'zod'
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
      '/v1/persons/{userId}': {
        delete: { summary: 'GDPR erasure: every event and all state of the person', security: [{ bearer: [] }], parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Erased' }, ...errors } },
      },
      '/v1/persons/{userId}/export': {
        get: { summary: 'GDPR export: the person’s events, traits and account', security: [{ bearer: [] }], parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'The person’s data' }, ...errors } },
      },
      '/healthz': { get: { summary: 'Liveness and database reachability', responses: { '200': { description: 'Up' }, '503': { description: 'Database unreachable' } } } },
    },
  }
}
