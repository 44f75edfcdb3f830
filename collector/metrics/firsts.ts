// First occurrences per person: the minimum over the person's actors of the
// firsts kept at ingest (`e:<event>`, `t:<type>`, `s:<step>`, `f:<feature>`).
import type { Db } from '../db/index'
import type { Project } from '../config'
import type { Query } from './query'

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

/** Per person who signed up in [from, to), the earliest time of any of the keys (or of any action), taken by the database. */
export async function loadFirsts(db: Db, query: Query, keys: string[] | typeof ACTIONS): Promise<Map<string, number>> {
  let q = db.kysely
    .selectFrom('persons as p')
    .innerJoin('actors as a', (join) => join.onRef('a.project_id', '=', 'p.project_id').onRef('a.person', '=', 'p.person'))
    .innerJoin('firsts as f', (join) => join.onRef('f.project_id', '=', 'a.project_id').onRef('f.actor', '=', 'a.actor'))
    .select((eb) => ['p.person', eb.fn.min<number>('f.time').as('time')])
    .where('p.project_id', '=', query.project.id)
    .where('p.signup_time', '>=', query.from)
    .where('p.signup_time', '<', query.to)
    .groupBy('p.person')
  q =
    keys == ACTIONS
      ? q.where('f.key', 'not in', ['t:page', 'e:$engagement']).where((eb) => eb(eb.fn('substr', ['f.key', eb.val(1), eb.val(10)]), '<>', 'e:$survey_'))
      : q.where('f.key', 'in', keys.length ? keys : [''])
  return new Map((await q.execute()).map((r) => [r.person, r.time]))
}
