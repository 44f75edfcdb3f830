// NPS, CSAT and CES from `$survey_response` events: per person and survey the
// latest answer in the window counts, and a type gathers its surveys (METRICS.md).
import { loadSurveyEvents } from './events'
import { segmentOf } from './population'
import type { Metric } from './query'
import { mean, rate } from './stats'

const SCALES = { nps: [0, 10], csat: [1, 5], ces: [1, 7] } as const
type Kind = keyof typeof SCALES

export interface Response {
  person: string
  surveyId: string
  type: Kind
  score: number
  comment: string | null
  time: number
}

/** The counted answers: per person and survey, the latest in the window. */
export const responses: Metric<Response[]> = async (db, query) => {
  const population = await segmentOf(db, query)
  const latest = new Map<string, Response>()
  // in event time order, then receipt: the last one seen is the latest
  for (const e of await loadSurveyEvents(db, query, population, ['$survey_response'])) {
    const { surveyId, type, score, comment } = e.properties as { surveyId: string; type: Kind; score: number; comment?: string }
    latest.set(`${e.person}\u0000${surveyId}`, { person: e.person, surveyId, type, score, comment: comment ?? null, time: e.time })
  }
  return [...latest.values()]
}

/** The number of answers per score of the scale, every score listed. */
function counts(kind: Kind, scores: number[]): Record<string, number> {
  const [lo, hi] = SCALES[kind]
  const out: Record<string, number> = {}
  for (let s = lo; s <= hi; s++) out[s] = 0
  for (const s of scores) out[s]!++
  return out
}

const LOW_SAMPLE = 30

export function npsBand(nps: number | null) {
  if (nps == null) return null
  return nps > 70 ? 'worldClass' : nps >= 50 ? 'excellent' : nps >= 30 ? 'good' : 'needsImprovement'
}

export function npsFigures(scores: number[]) {
  const n = scores.length
  const promoters = scores.filter((s) => s >= 9).length
  const detractors = scores.filter((s) => s <= 6).length
  const P = n ? promoters / n : 0
  const D = n ? detractors / n : 0
  // in whole numbers first: 7 promoters and 2 detractors of 10 is 50, not 49.99999999999999
  const nps = n ? ((promoters - detractors) * 100) / n : null
  const margin = n ? 1.96 * 100 * Math.sqrt(Math.max(0, P + D - (P - D) ** 2) / n) : null
  return {
    n,
    nps,
    promoters,
    passives: n - promoters - detractors,
    detractors,
    ci95: nps == null ? null : { low: nps - margin!, high: nps + margin! },
    band: npsBand(nps),
    counts: counts('nps', scores),
    lowSample: n < LOW_SAMPLE,
  }
}

export function csatFigures(scores: number[]) {
  return { n: scores.length, csat: rate(scores.filter((s) => s >= 4).length, scores.length), mean: mean(scores), counts: counts('csat', scores), lowSample: scores.length < LOW_SAMPLE }
}

export function cesFigures(scores: number[]) {
  return { n: scores.length, ces: mean(scores), easyRate: rate(scores.filter((s) => s >= 5).length, scores.length), counts: counts('ces', scores), lowSample: scores.length < LOW_SAMPLE }
}

export const satisfaction: Metric<{ nps: ReturnType<typeof npsFigures>; csat: ReturnType<typeof csatFigures>; ces: ReturnType<typeof cesFigures> }> = async (db, query) => {
  const scores: Record<Kind, number[]> = { nps: [], csat: [], ces: [] }
  for (const r of await responses(db, query)) scores[r.type].push(r.score)
  return { nps: npsFigures(scores.nps), csat: csatFigures(scores.csat), ces: cesFigures(scores.ces) }
}
