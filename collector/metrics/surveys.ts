// The funnel of each survey in the window: persons shown it, persons who
// dismissed it, persons whose answer counts, and the response rate. Each stage
// is counted from the activity kept per survey (`v:<event>:<surveyId>`), as
// feature adoption is.
import { SURVEY_STAGES, surveyKey } from '../db/ingest'
import { activeCounts, type Range } from './activity'
import { loadSurveyEvents } from './events'
import { segmentOf } from './population'
import type { Metric } from './query'
import { rate } from './stats'
import { DAY } from './time'


export const surveys: Metric<{ surveys: { surveyId: string; type: string | null; shown: number; dismissed: number; responded: number; responseRate: number | null }[] }> = async (db, query) => {
  const project = query.project.id
  const population = await segmentOf(db, query)
  const window: Range = [query.from, query.to]
  const types = new Map<string, string | null>(query.project.surveys.map((s) => [s.id, s.type]))
  // surveys with an event on the window's days, beside those configured
  const keys = await db.kysely
    .selectFrom('activity')
    .select('key')
    .distinct()
    .where('project_id', '=', project)
    .where('key', '>=', 'v:')
    .where('key', '<', 'v;')
    .where('day', '>=', Math.floor(query.from / DAY))
    .where('day', '<=', Math.floor((query.to - 1) / DAY))
    .execute()
  const ids = new Set([...types.keys(), ...keys.map(({ key }) => key.slice(key.indexOf(':', 2) + 1))])
  const funnels = await Promise.all(
    [...ids].map(async (surveyId) => {
      const [shown, dismissed, responded] = await Promise.all(SURVEY_STAGES.map(async (event) => (await activeCounts(db, project, population, [surveyKey(event, surveyId)], [window]))[0]!))
      return { surveyId, type: types.get(surveyId) ?? null, shown: shown!, dismissed: dismissed!, responded: responded!, responseRate: rate(responded!, shown!) }
    }),
  )
  // a survey that is not configured is listed when someone who counts saw it in the window, typed by the first of its events that names a type
  const listed = funnels.filter((f) => types.has(f.surveyId) || f.shown || f.dismissed || f.responded)
  if (listed.some((f) => !types.has(f.surveyId)))
    for (const e of await loadSurveyEvents(db, query, population, [...SURVEY_STAGES])) {
      const funnel = listed.find((f) => f.surveyId == String(e.properties.surveyId))
      if (funnel && !types.has(funnel.surveyId) && funnel.type == null && typeof e.properties.type == 'string') funnel.type = e.properties.type
    }
  return { surveys: listed }
}
