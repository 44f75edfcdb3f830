// The funnel of each survey in the window: persons shown it, persons who
// dismissed it, persons whose answer counts, and the response rate.
import { loadEvents } from './events'
import { segmentOf } from './population'
import type { Metric } from './query'
import { rate } from './stats'

const STAGES = { $survey_shown: 'shown', $survey_dismissed: 'dismissed', $survey_response: 'responded' } as const

export const surveys: Metric<{ surveys: { surveyId: string; type: string | null; shown: number; dismissed: number; responded: number; responseRate: number | null }[] }> = async (db, query) => {
  const population = await segmentOf(db, query)
  const funnels = new Map<string, Record<'shown' | 'dismissed' | 'responded', Set<string>>>()
  const types = new Map(query.project.surveys.map((s) => [s.id, s.type as string]))
  for (const s of query.project.surveys) funnels.set(s.id, { shown: new Set(), dismissed: new Set(), responded: new Set() })
  for (const e of await loadEvents(db, query, population, Object.keys(STAGES))) {
    const id = String(e.properties.surveyId)
    let funnel = funnels.get(id)
    if (!funnel) funnels.set(id, (funnel = { shown: new Set(), dismissed: new Set(), responded: new Set() }))
    funnel[STAGES[e.event as keyof typeof STAGES]].add(e.person)
    if (!types.has(id) && typeof e.properties.type == 'string') types.set(id, e.properties.type)
  }
  return {
    surveys: [...funnels].map(([surveyId, f]) => ({
      surveyId,
      type: types.get(surveyId) ?? null,
      shown: f.shown.size,
      dismissed: f.dismissed.size,
      responded: f.responded.size,
      responseRate: rate(f.responded.size, f.shown.size),
    })),
  }
}
