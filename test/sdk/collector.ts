// A fake collector for unit tests (msw): records every batch and answers with
// whatever the test queued, 200 otherwise. The real collector is exercised end
// to end in test/e2e.
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { Batch, Message } from '../../sdk/wire'
import type { Survey } from '../../widget/types'

export const host = 'https://collector.test'

type Answer = (body: Batch) => Response | Promise<Response>

export function fakeCollector() {
  const batches: Batch[] = []
  /** When each batch arrived, by the (possibly fake) clock. */
  const times: number[] = []
  const answers: Answer[] = []
  /** What GET /v1/surveys serves: none unless a test adds some. */
  const surveys: Survey[] = []
  const server = setupServer(
    http.get(`${host}/v1/surveys`, () => HttpResponse.json({ surveys })),
    http.post(`${host}/v1/batch`, async ({ request }) => {
      const body = JSON.parse(await request.text()) as Batch
      batches.push(body)
      times.push(Date.now())
      return answers.shift()?.(body) ?? HttpResponse.json({})
    }),
    // happy-dom preflights its sendBeacon (a real browser does not: test/e2e proves it)
    http.options(`${host}/v1/batch`, () =>
      new HttpResponse(null, { status: 204, headers: { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Content-Type' } }),
    ),
  )
  /** The messages as the collector stores them: a batch's context applies to each, the message's own keys winning. */
  function messages(): Message[] {
    return batches.flatMap(({ batch, context }) => {
      const { droppedMessages: _, ...shared } = context ?? {}
      return batch.map((m) => (Object.keys(shared).length ? { ...m, context: { ...shared, ...m.context } } : m))
    })
  }
  return {
    server,
    batches,
    times,
    surveys,
    /** Queue the next answers, in order. */
    answer: (...next: Answer[]) => void answers.push(...next),
    messages,
    tracked: () => messages().filter((m) => m.type == 'track'),
    reset() {
      batches.length = 0
      times.length = 0
      answers.length = 0
      surveys.length = 0
    },
  }
}

export const status = (code: number, headers: Record<string, string> = {}) => () =>
  HttpResponse.json({ error: { code: 'test', message: `HTTP ${code}` } }, { status: code, headers })
export const networkError = () => () => HttpResponse.error()
