// First occurrences per person: the minimum over the person's actors of the
// firsts kept at ingest (`e:<event>`, `t:<type>`, `s:<step>`, `f:<feature>`).
import type { Db } from '../db/index'
import type { Project } from '../config'
import type { Population } from './population'

/** What completes a step or uses a feature: its `$step`/`$feature` id, or the event it names. */
export const keysOf = (kind: 's' | 'f', item: { id: string; event?: string | undefined }) => [`${kind}:${item.id}`, ...(item.event ? [`e:${item.event}`] : [])]

/** The keys of the value event: an onboarding step's keys when it names one, else the event. */
export function valueKeys(project: Project): string[] | null {
  const value = project.activation?.valueEvent
  if (value == null) return null
  const step = project.onboarding.steps.find((s) => s.id == value)
  return step ? keysOf('s', step) : [`e:${value}`]
}

/** The keys that are actions for time to first action: all but page views, engagement (sessions) and survey events. */
export const ACTIONS = 'actions'

/** Per person, the earliest time of any of the keys (or of any action): the minimum per actor is taken by the database. */
export async function loadFirsts(db: Db, project: string, population: Population, keys: string[] | typeof ACTIONS): Promise<Map<string, number>> {
  let query = db.kysely
    .selectFrom('firsts')
    .select((eb) => ['actor', eb.fn.min<number>('time').as('time')])
    .where('project_id', '=', project)
    .groupBy('actor')
  query =
    keys == ACTIONS
      ? query.where('key', 'not in', ['t:page', 'e:$engagement']).where((eb) => eb(eb.fn('substr', ['key', eb.val(1), eb.val(10)]), '<>', 'e:$survey_'))
      : query.where('key', 'in', keys.length ? keys : [''])
  const firsts = new Map<string, number>()
  for (const row of await query.execute()) {
    const person = population.personOf.get(row.actor)
    if (!person) continue
    const known = firsts.get(person)
    if (known == null || row.time < known) firsts.set(person, row.time)
  }
  return firsts
}
