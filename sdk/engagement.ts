// Engaged time: the page is visible and the user interacted with it in the
// last 30 seconds. Reported as $engagement at most once a minute, and when the
// page hides (which may be the last chance).

export const ACTIVE_WINDOW = 30_000
export const REPORT_EVERY = 60_000
// pointer events cover mouse, pen and touch
const INPUTS = ['pointerdown', 'pointermove', 'keydown', 'scroll', 'wheel'] as const

export function createEngagement(report: (engagedMs: number) => void, now: () => number) {
  let visible = document.visibilityState == 'visible'
  let mark = now()
  let activeUntil = 0
  let engaged = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  /** Count the time since the last mark that was both visible and within 30 s of an input. */
  function settle() {
    const t = now()
    if (visible) engaged += Math.max(0, Math.min(t, activeUntil) - mark)
    mark = t
  }

  function flush() {
    settle()
    if (engaged > 0) report(engaged) // whole ms: differences of Date.now()
    engaged = 0
  }

  /** The minute clock: a report a minute while engaged. Not an input: the 30 s run from the last real one. */
  function arm() {
    timer ??= setTimeout(() => {
      timer = undefined
      flush()
      if (activeUntil > now()) arm()
    }, REPORT_EVERY)
  }

  function onInput() {
    settle()
    activeUntil = mark + ACTIVE_WINDOW
    arm()
  }

  function onVisibility() {
    settle()
    visible = document.visibilityState == 'visible'
  }

  const options = { capture: true, passive: true }
  for (const type of INPUTS) addEventListener(type, onInput, options)
  document.addEventListener('visibilitychange', onVisibility)

  return {
    /** Report what has accrued now (the page is hiding). */
    flush,
    stop() {
      clearTimeout(timer)
      for (const type of INPUTS) removeEventListener(type, onInput, options)
      document.removeEventListener('visibilitychange', onVisibility)
    },
  }
}
