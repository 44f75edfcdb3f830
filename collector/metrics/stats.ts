// The statistics METRICS.md fixes: numpy's default percentile (linear between
// the closest ranks), means, and a Kaplan-Meier median. Over an empty set each
// is null, never NaN.

/** The q-quantile (0..1) of ascending values: position (n - 1) x q, interpolated linearly. */
export function percentile(sorted: ArrayLike<number>, q: number): number | null {
  if (!sorted.length) return null
  const position = (sorted.length - 1) * q
  const below = Math.floor(position)
  const above = Math.min(below + 1, sorted.length - 1)
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below)
}

export const median = (sorted: ArrayLike<number>) => percentile(sorted, 0.5)

export const mean = (values: ArrayLike<number>) => {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return values.length ? sum / values.length : null
}

/** part / whole x 100, or null when whole is 0: multiplied first, so 7 of 10 is 70, not 70.00000000000001. */
export const rate = (part: number, whole: number) => (whole ? (part * 100) / whole : null)

/** The values in ascending order, in a new array (a typed array sorts numbers without a comparator, several times faster). */
export const ascending = (values: number[]) => Float64Array.from(values).sort()

/** p25, median, p75, p90 and mean of the values. */
export function summary(values: number[]) {
  const sorted = ascending(values)
  return { p25: percentile(sorted, 0.25), median: median(sorted), p75: percentile(sorted, 0.75), p90: percentile(sorted, 0.9), mean: mean(sorted) }
}

/**
 * The Kaplan-Meier median of the event times and the censoring times: the smallest event
 * time t at which the survival estimate S(t) = prod over event times t_i <= t of
 * (1 - d_i / n_i) is at most 0.5, or null. Censored observations at t are still at risk
 * at t (events come first, as usual).
 */
export function kaplanMeierMedian(eventTimes: number[], censoredTimes: number[]): number | null {
  const events = ascending(eventTimes)
  const censored = ascending(censoredTimes)
  let survival = 1
  for (let i = 0, c = 0; i < events.length; ) {
    const time = events[i]!
    while (c < censored.length && censored[c]! < time) c++
    const atRisk = events.length - i + censored.length - c
    let d = 0
    for (; i < events.length && events[i] == time; i++) d++
    survival *= (atRisk - d) / atRisk
    // S = 9/10 x 7/9 x 5/7 is 1/2, which floating point makes 0.5000000000000001
    if (survival <= 0.5 + 1e-12) return time
  }
  return null
}
