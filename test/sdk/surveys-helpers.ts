// Surveys as the unit tests see them: the survey configs the fake collector
// serves, the clock (fake, but msw's answers and the widget's import run
// outside it), and the real widget as a person meets it in happy-dom.
import { expect, vi } from 'vitest'
import type { Survey, Targeting } from '../../widget/types'

export const DAY = 864e5

/** An NPS survey whose question is its id, so `shown()` tells surveys apart. */
export const survey = (id: string, targeting?: Targeting, rest: Partial<Survey> = {}): Survey => ({ id, type: 'nps', question: id, targeting, ...rest })

/** The fake clock for a test: timers, and Date for the day-based rules. */
export const fakeClock = (at: number) => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  vi.setSystemTime(at)
}

/**
 * Lets everything that is due run: timers due within the next 100 ms of the fake
 * clock, and what does not run on it (msw's answers, IndexedDB, the widget's import).
 * Long enough for a survey that is due to appear: tests that expect one prove it.
 */
export async function settle() {
  for (let i = 0; i < 10; i++) {
    await vi.advanceTimersByTimeAsync(10)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Settles until `check` passes, for at most 2 s of the fake clock. */
export async function until(check: () => void) {
  for (let i = 0; ; i++) {
    try {
      return check()
    } catch (error) {
      if (i == 20) throw error
    }
    await settle()
  }
}

const hosts = () => [...document.querySelectorAll('northstar-survey')]
const root = () => {
  const [host, ...more] = hosts()
  expect(more, 'one survey at a time').toEqual([])
  return host!.shadowRoot!
}
const button = (name: string) => {
  const found = [...root().querySelectorAll('button')].find((b) => b.textContent == name || b.getAttribute('aria-label') == name)
  if (!found) throw new Error(`No button "${name}" in the survey`)
  return found
}
/** Preact renders in a microtask after a click. */
const click = async (name: string) => {
  button(name).click()
  await vi.advanceTimersByTimeAsync(0)
}

/** The questions (here, the ids) of the surveys on the page. */
export const shown = () => hosts().map((host) => host.shadowRoot!.querySelector('p')!.textContent)

/** Closes the survey without a score. */
export const dismiss = () => click('Close')

/** Picks `score`, writes `comment` at the follow-up if the survey asks one, submits, then closes the thank-you. */
export async function answer(score: number, comment?: string) {
  await click(String(score))
  if (root().querySelector('button.primary')!.textContent == 'Next') {
    await click('Next')
    const textarea = root().querySelector('textarea')!
    textarea.value = comment ?? ''
    textarea.dispatchEvent(new Event('input', { bubbles: true }))
    await vi.advanceTimersByTimeAsync(0)
  }
  await click('Submit')
  await click('Close')
}

/** Removes what a test left on the page. */
export const removeSurveys = () => hosts().forEach((host) => host.remove())
