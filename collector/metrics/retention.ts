// Weekly retention: cohorts by signup week (ISO weeks, Monday 00:00 in the
// query's zone), the share of each active in each of the 13 weeks from its own.
import { activeSets, type Range } from './activity'
import { loadCohort, type Persons } from './population'
import type { Metric } from './query'
import { rate } from './stats'
import { localDate, nextWeek, startOfWeek } from './time'

export const WEEKS = 13

export const retention: Metric<{ /** week: the local date of the cohort's Monday. */
  cohorts: { week: string; start: number; size: number; retention: (number | null)[] }[] }> = async (db, query) => {
  const cohort = await loadCohort(db, query)
  const cohorts = new Map<number, number[]>() // week to its persons' numbers
  cohort.pid.forEach((pid, i) => {
    const week = startOfWeek(cohort.signup[i]!, query.tz)
    const members = cohorts.get(week)
    if (members) members.push(pid)
    else cohorts.set(week, [pid])
  })
  const starts = [...cohorts.keys()].sort((a, b) => a - b)
  if (!starts.length) return { cohorts: [] }

  // every week from the first cohort's to the last cohort's twelfth
  const weeks: Range[] = []
  for (let start = starts[0]!, tail = 0; tail < WEEKS; start = nextWeek(start, query.tz)) {
    weeks.push([start, nextWeek(start, query.tz)])
    if (start >= starts.at(-1)!) tail++
  }
  const members: Persons = new Set(cohort.pid)
  const active = await activeSets(db, query.project.id, members, [''], weeks)
  const index = new Map(weeks.map(([start], i) => [start, i]))

  return {
    cohorts: starts.map((start) => {
      const members = cohorts.get(start)!
      const first = index.get(start)!
      return {
        week: localDate(start, query.tz),
        start,
        size: members.length,
        // weeks that have not begun at the query time are unknown, not 0%
        retention: Array.from({ length: WEEKS }, (_, w) => {
          const [weekStart] = weeks[first + w]!
          return weekStart > query.now ? null : rate(members.filter((p) => active[first + w]!.has(p)).length, members.length)
        }),
      }
    }),
  }
}
