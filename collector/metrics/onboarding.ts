// Onboarding completion over the persons who signed up in the window: per step
// completed in any order, the ordered funnel, and completion (METRICS.md).
import type { Db } from '../db/index'
import { chunks, ofActors } from '../db/rows'
import { firstsAtOrAfter, type ActivityRow } from './activity'
import { keysOf } from './firsts'
import { actorsNumbered } from '../db/people'
import { loadCohort } from './population'
import type { Metric } from './query'
import { ascending, median, rate } from './stats'

export interface StepFigures {
  id: string
  name: string
  completed: number
  funnel: number
  /** Percent of the previous step's funnel (of the cohort for step 1). */
  conversionFromPrevious: number | null
  /** Percent of step 1's funnel. */
  conversionFromStart: number | null
  medianTimeFromPrevious: number | null
}

export const onboarding: Metric<{
  cohort: number
  steps: StepFigures[]
  completionRate: number | null
  engagementScore: number | null
  medianTimeToComplete: number | null
}> = async (db, query) => {
  const project = query.project.id
  const steps = query.project.onboarding.steps
  const keys = steps.map((s) => keysOf('s', s))
  const { pid, signup, firsts } = await loadCohort(db, query, keys)
  const size = pid.length

  const completed = steps.map(() => 0)
  let stepsDone = 0
  const toComplete: number[] = []
  const outOfOrder: number[] = [] // whose first completion of a step came before an earlier step's
  for (let i = 0; i < size; i++) {
    let count = 0
    let last = -Infinity
    let disordered = false
    for (let k = 0; k < steps.length; k++) {
      const t = firsts[k]![i]!
      if (t == Infinity) continue
      completed[k]!++
      count++
      if (t < last) disordered = true
      else last = t
    }
    stepsDone += count
    if (steps.length && count == steps.length) toComplete.push(Math.max(0, last - signup[i]!))
    if (disordered) outOfOrder.push(pid[i]!)
  }

  // The ordered funnel: t_k is the first completion of step k at or after t_(k-1). That is step k's first
  // completion unless it came before t_(k-1): only for the persons who completed steps out of order are
  // the days of their completions read.
  const days = await loadStepDays(db, project, outOfOrder, keys.flat())
  const funnel = steps.map(() => 0)
  const gaps: number[][] = steps.map(() => [])
  const previous = new Float64Array(size) // t_(k-1), by place
  let going = pid.map((_, i) => i) // the places still in the funnel
  for (let k = 0; k < steps.length; k++) {
    const first = firsts[k]!
    // those whose first completion came before their t_(k-1), asked together
    const late = k == 0 ? [] : going.filter((i) => first[i]! < previous[i]!)
    const found = await firstsAtOrAfter(
      db,
      project,
      late.map((i) => ({ rows: (days.get(pid[i]!) ?? []).filter((row) => keys[k]!.includes(row.key)), keys: keys[k]!, t: previous[i]! })),
    )
    const after = new Map(late.map((i, n) => [i, found[n] ?? Infinity]))
    going = going.filter((i) => {
      const t = after.get(i) ?? first[i]!
      if (t == Infinity) return false
      funnel[k]!++
      if (k > 0) gaps[k]!.push(t - previous[i]!)
      previous[i] = t
      return true
    })
  }

  return {
    cohort: size,
    steps: steps.map((s, k) => ({
      id: s.id,
      name: s.name,
      completed: completed[k]!,
      funnel: funnel[k]!,
      conversionFromPrevious: rate(funnel[k]!, k == 0 ? size : funnel[k - 1]!),
      conversionFromStart: rate(funnel[k]!, funnel[0]!),
      medianTimeFromPrevious: k == 0 ? null : median(ascending(gaps[k]!)),
    })),
    completionRate: steps.length ? rate(toComplete.length, size) : null,
    // the mean of (completed / steps) x 100, summed in whole numbers so that no order of the persons rounds differently
    engagementScore: steps.length ? rate(stepsDone, steps.length * size) : null,
    medianTimeToComplete: median(ascending(toComplete)),
  }
}

/** Per person, the days on which their actors did any of the keys: read through the actors' index, for a few persons. */
async function loadStepDays(db: Db, project: string, pids: number[], keys: string[]): Promise<Map<number, ActivityRow[]>> {
  const days = new Map<number, ActivityRow[]>()
  const actors = []
  for (const chunk of chunks(pids)) actors.push(...(await actorsNumbered(db.kysely, db.dialect, project, chunk)))
  for (const chunk of chunks(actors.map((a) => a.actor)))
    for (const row of await db.kysely
      .selectFrom('activity')
      .select(['key', 'day', 'actor', 'pid', 'first_time', 'last_time'])
      .where(ofActors('activity', project, chunk, keys))
      .execute()) {
      const list = days.get(row.pid)
      if (list) list.push(row)
      else days.set(row.pid, [row])
    }
  return days
}
