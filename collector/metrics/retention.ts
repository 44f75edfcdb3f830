// Weekly retention: cohorts by signup week (ISO weeks, Monday 00:00 in the
// query's zone), the share of each active in each of the 13 weeks from its own.
import { activeLists, type Range } from './activity'
import { loadCohort, places } from './population'
import type { Metric } from './query'
import { rate } from './stats'
import { localDate, nextWeek, startOfWeek } from './time'

export const WEEKS = 13

export const retention: Metric<{ /** week: the local date of the cohort's Monday. */
  cohorts: { week: string; start: number; size: number; retention: (number | null)[] }[] }> = async (db, query) => {
  const { pid, signup } = await loadCohort(db, query)
  if (!pid.length) return { cohorts: [] }
  let first = Infinity
  let last = -Infinity
  for (const t of signup) {
    if (t < first) first = t
    if (t > last) last = t
  }

  // every week from the first signup's to the twelfth after the last signup's
  const weeks: Range[] = []
  for (let start = startOfWeek(first, query.tz), tail = 0; tail < WEEKS; start = weeks.at(-1)![1]) {
    weeks.push([start, nextWeek(start, query.tz)])
    if (weeks.at(-1)![1] > last) tail++
  }
  // each person's week, found among the weeks, not asked of the zone for each (Intl: microseconds a call)
  const weekOf = Int32Array.from(signup, (t) => {
    let lo = 0 // the last week starting at or before t
    let hi = weeks.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (weeks[mid]![0] <= t) lo = mid
      else hi = mid - 1
    }
    return lo
  })
  const size = new Int32Array(weeks.length)
  for (const w of weekOf) size[w]!++

  // per cohort (its week) and week from it, how many of its persons were active: each person once a week
  const place = places(pid)
  const lists = await activeLists(db, query.project.id, { has: (p) => place(p) !== undefined }, [''], weeks)
  const active = new Int32Array(weeks.length * WEEKS)
  const counted = new Int32Array(pid.length).fill(-1) // the last week each person was counted in
  lists.forEach((list, week) => {
    for (const p of list) {
      const i = place(p)!
      const from = week - weekOf[i]!
      if (counted[i] == week || from < 0 || from >= WEEKS) continue
      counted[i] = week
      active[weekOf[i]! * WEEKS + from]!++
    }
  })

  return {
    cohorts: weeks.flatMap(([start], w) =>
      size[w]
        ? [
            {
              week: localDate(start, query.tz),
              start,
              size: size[w]!,
              // weeks that have not begun at the query time are unknown, not 0%
              retention: Array.from({ length: WEEKS }, (_, n) => (weeks[w + n]![0] > query.now ? null : rate(active[w * WEEKS + n]!, size[w]!))),
            },
          ]
        : [],
    ),
  }
}
