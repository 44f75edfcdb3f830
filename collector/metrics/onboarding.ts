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
  const cohort = await loadCohort(db, query, keys)
  // The ordered funnel: t_k is the first completion of step k at or after t_(k-1). That is step k's first
  // completion unless it came before t_(k-1): only for the persons who completed steps out of order are
  // the days of their completions read.
  const days = await loadStepDays(
    db,
    project,
    cohort.filter((p) => p.firsts.some((t, k) => t != null && p.firsts.slice(0, k).some((before) => before != null && before > t))).map((p) => p.pid),
    keys.flat(),
  )

  const completed = steps.map(() => 0)
  let stepsDone = 0
  const toComplete: number[] = []
  for (const person of cohort) {
    const done = person.firsts
    done.forEach((t, k) => t != null && completed[k]!++)
    const count = done.filter((t) => t != null).length
    stepsDone += count
    if (steps.length && count == steps.length) toComplete.push(Math.max(0, Math.max(...(done as number[])) - person.signup))
  }

  // step by step, the persons still in the funnel; those whose first completion came before their t_(k-1) asked together
  const funnel = steps.map(() => 0)
  const gaps: number[][] = steps.map(() => [])
  let going = cohort.map((person) => ({ person, previous: 0 }))
  for (let k = 0; k < steps.length; k++) {
    const late = going.filter(({ person, previous }) => k > 0 && person.firsts[k] != null && person.firsts[k]! < previous)
    const found = await firstsAtOrAfter(
      db,
      project,
      late.map(({ person, previous }) => ({ rows: (days.get(person.pid) ?? []).filter((row) => keys[k]!.includes(row.key)), keys: keys[k]!, t: previous })),
    )
    const after = new Map(late.map((p, i) => [p, found[i]!]))
    going = going.filter((p) => {
      const t = after.has(p) ? after.get(p) : p.person.firsts[k]
      if (t == null) return false
      funnel[k]!++
      if (k > 0) gaps[k]!.push(t - p.previous)
      p.previous = t
      return true
    })
  }

  return {
    cohort: cohort.length,
    steps: steps.map((s, k) => ({
      id: s.id,
      name: s.name,
      completed: completed[k]!,
      funnel: funnel[k]!,
      conversionFromPrevious: rate(funnel[k]!, k == 0 ? cohort.length : funnel[k - 1]!),
      conversionFromStart: rate(funnel[k]!, funnel[0]!),
      medianTimeFromPrevious: k == 0 ? null : median(ascending(gaps[k]!)),
    })),
    completionRate: steps.length ? rate(toComplete.length, cohort.length) : null,
    // the mean of (completed / steps) x 100, summed in whole numbers so that no order of the persons rounds differently
    engagementScore: steps.length ? rate(stepsDone, steps.length * cohort.length) : null,
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
