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
  const { signup, firsts: [reached, acted] } = await loadCohort(db, query, [keys, [ACTION]])

  const times: number[] = []
  const censored: number[] = []
  const actions: number[] = []
  const cohort = signup.length
  for (let i = 0; i < cohort; i++) {
    const elapsed = reached![i]! - signup[i]!
    if (elapsed != Infinity && (query.within == null || elapsed <= query.within)) {
      times.push(Math.max(0, elapsed))
    } else {
      // not (yet) activated: censored at the query time, or at `within` when it ends observation sooner
      censored.push(Math.max(0, Math.min(query.now - signup[i]!, query.within ?? Infinity)))
    }
    if (acted![i] != Infinity) actions.push(Math.max(0, acted![i]! - signup[i]!))
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
