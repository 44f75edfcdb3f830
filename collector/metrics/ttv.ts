// Time to value: from signup to the first occurrence of the value event, over
// the persons who signed up in the window (METRICS.md, "Time to Value").
import { ACTION } from '../db/ingest'
import { valueKeys } from './firsts'
import { loadCohort } from './population'
import { NotConfigured, type Metric } from './query'
import { kaplanMeierMedian, rate, summary } from './stats'
import { DAY } from './time'

const BANDS = [
  ['excellent', 7 * DAY],
  ['good', 14 * DAY],
  ['needsImprovement', 30 * DAY],
  ['critical', Infinity],
] as const

export const FIRST_ACTION_TARGET = 5 * 60_000

export const ttv: Metric<{
  valueEvent: string
  cohort: number
  activated: number
  unactivated: number
  activationRate: number | null
  p25: number | null
  median: number | null
  p75: number | null
  p90: number | null
  mean: number | null
  bands: Record<(typeof BANDS)[number][0], number>
  kaplanMeierMedian: number | null
  timeToFirstAction: { acted: number; p25: number | null; median: number | null; p75: number | null; p90: number | null; mean: number | null; withinTarget: number }
}> = async (db, query) => {
  const keys = valueKeys(query.project)
  if (!keys) throw new NotConfigured('activation.valueEvent')
  const members = await loadCohort(db, query, [keys, [ACTION]])

  const times: number[] = []
  const censored: number[] = []
  const actions: number[] = []
  const cohort = members.length
  for (const person of members) {
    const [reached, acted] = person.firsts
    const elapsed = reached == null ? null : reached - person.signup
    if (elapsed != null && (query.within == null || elapsed <= query.within)) {
      times.push(Math.max(0, elapsed))
    } else {
      // not (yet) activated: censored at the query time, or at `within` when it ends observation sooner
      censored.push(Math.max(0, Math.min(query.now - person.signup, query.within ?? Infinity)))
    }
    if (acted != null) actions.push(Math.max(0, acted - person.signup))
  }

  const bands = Object.fromEntries(BANDS.map(([name]) => [name, 0])) as Record<(typeof BANDS)[number][0], number>
  for (const t of times) bands[BANDS.find(([, below]) => t < below)![0]]++
  return {
    valueEvent: query.project.activation!.valueEvent,
    cohort,
    activated: times.length,
    unactivated: cohort - times.length,
    activationRate: rate(times.length, cohort),
    ...summary(times),
    bands,
    kaplanMeierMedian: kaplanMeierMedian(times, censored),
    timeToFirstAction: { acted: actions.length, ...summary(actions), withinTarget: actions.filter((t) => t < FIRST_ACTION_TARGET).length },
  }
}
