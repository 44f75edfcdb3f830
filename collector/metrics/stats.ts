// The statistics METRICS.md fixes: numpy's default percentile (linear between
// the closest ranks), means, and a Kaplan-Meier median. Over an empty set each
// is null, never NaN.

/** The q-quantile (0..1) of ascending values: position (n - 1) x q, interpolated linearly. */
export function percentile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null
  const position = (sorted.length - 1) * q
  const below = Math.floor(position)
  const above = Math.min(below + 1, sorted.length - 1)
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below)
}

export const median = (sorted: number[]) => percentile(sorted, 0.5)

export const mean = (values: number[]) => (values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : null)

/** part / whole x 100, or null when whole is 0: multiplied first, so 7 of 10 is 70, not 70.00000000000001. */
export const rate = (part: number, whole: number) => (whole ? (part * 100) / whole : null)

export const ascending = (values: number[]) => values.sort((a, b) => a - b)

/** p25, median, p75, p90 and mean of the values. */
export function summary(values: number[]) {
  const sorted = ascending([...values])
  return { p25: percentile(sorted, 0.25), median: median(sorted), p75: percentile(sorted, 0.75), p90: percentile(sorted, 0.9), mean: mean(sorted) }
}

/**
 * The Kaplan-Meier median: the smallest event time t at which the survival estimate
 * S(t) = prod over event times t_i <= t of (1 - d_i / n_i) is at most 0.5, or null.
 * Censored observations at t are still at risk at t (events come first, as usual).
 */
export function kaplanMeierMedian(observations: { time: number; event: boolean }[]): number | null {
  const sorted = [...observations].sort((a, b) => a.time - b.time || Number(b.event) - Number(a.event))
  let atRisk = sorted.length
  let survival = 1
  for (let i = 0; i < sorted.length; ) {
    const time = sorted[i]!.time
    let events = 0
    let leaving = 0
    for (; i < sorted.length && sorted[i]!.time == time; i++, leaving++) if (sorted[i]!.event) events++
    if (events) {
      survival *= (atRisk - events) / atRisk
      // S = 9/10 x 7/9 x 5/7 is 1/2, which floating point makes 0.5000000000000001
      if (survival <= 0.5 + 1e-12) return time
    }
    atRisk -= leaving
  }
  return null
}
