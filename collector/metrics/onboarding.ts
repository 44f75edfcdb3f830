// Onboarding completion over the persons who signed up in the window: per step
// completed in any order, the ordered funnel, and completion (METRICS.md).
import { firstAtOrAfter, loadActivity, type ActivityRow } from './activity'
import { keysOf, loadFirsts } from './firsts'
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
  const cohort = [...(await loadCohort(db, query)).values()]
  const keys = steps.map((s) => keysOf('s', s))
  const firsts = await Promise.all(keys.map((k) => loadFirsts(db, query, k)))

  // every completion day of every step, per person of the signup window, for the ordered funnel
  const days = await Promise.all(keys.map((k) => loadActivity(db, project, k, undefined, [query.from, query.to])))
  const byPerson = days.map((rows) => {
    const map = new Map<string, ActivityRow[]>()
    for (const row of rows) {
      const list = map.get(row.person)
      if (list) list.push(row)
      else map.set(row.person, [row])
    }
    return map
  })

  const completed = steps.map(() => 0)
  const funnel = steps.map(() => 0)
  const gaps: number[][] = steps.map(() => [])
  let stepsDone = 0
  const toComplete: number[] = []
  for (const person of cohort) {
    const done = firsts.map((f) => f.get(person.id))
    done.forEach((t, k) => t != null && completed[k]!++)
    const count = done.filter((t) => t != null).length
    stepsDone += count
    if (steps.length && count == steps.length) toComplete.push(Math.max(0, Math.max(...(done as number[])) - person.signup))

    let previous: number | null = null
    for (let k = 0; k < steps.length; k++) {
      const t: number | null | undefined = k == 0 ? done[0] : await firstAtOrAfter(db, project, byPerson[k]!.get(person.id) ?? [], keys[k]!, previous!)
      if (t == null) break
      funnel[k]!++
      if (k > 0) gaps[k]!.push(t - previous!)
      previous = t
    }
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
