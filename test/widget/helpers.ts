// What the widget tests share: a survey mounted the way the SDK mounts it, the
// events it reported, queries inside its shadow root, and the keyboard moves a
// person makes. happy-dom has no Tab key of its own, so tab() moves focus the
// way a browser does: to the next control in document order that is neither
// disabled nor taken out of the tab order.
import { act, fireEvent, within, type BoundFunctions, type queries } from '@testing-library/preact'
import { afterEach } from 'vitest'
import { mount } from '../../widget/index'
import type { MountOptions, Survey, WidgetEvent } from '../../widget/types'

const shown: (() => void)[] = []

// Every test starts from an empty page: surveys still shown are unmounted and hosts removed.
afterEach(() => {
  // Focus goes to the page first: happy-dom 21's ShadowRoot.activeElement throws (walks past the
  // document) while focus is inside another shadow root, which unmount() reads.
  const sink = document.body.appendChild(document.createElement('button'))
  sink.focus()
  for (const unmount of shown.splice(0)) act(unmount)
  document.body.replaceChildren()
})

export type Queries = BoundFunctions<typeof queries>

export interface Shown {
  /** The <northstar-survey> element. */
  host: HTMLElement
  shadow: ShadowRoot
  /** Testing Library queries scoped to the shadow root. */
  ui: Queries
  /** Everything `on` received, in order. */
  events: WidgetEvent[]
  unmount(): void
}

/**
 * Mounts `survey` (an NPS survey unless told) in English unless told. The mount runs
 * inside act() so effects (focus, showModal) have run when it returns, as after a frame.
 */
export function show(survey: Partial<Survey> = {}, options: Partial<MountOptions> = {}): Shown {
  const events: WidgetEvent[] = []
  const before = new Set(document.querySelectorAll('northstar-survey'))
  let unmount!: () => void
  act(() => void (unmount = mount({ id: 'survey-1', type: 'nps', ...survey }, { locale: 'en', ...options, on: (e) => events.push(e) })))
  shown.push(unmount)
  const host = [...document.querySelectorAll<HTMLElement>('northstar-survey')].find((el) => !before.has(el))!
  const shadow = host.shadowRoot!
  return { host, shadow, ui: within(shadow as unknown as HTMLElement), events, unmount: () => act(unmount) }
}

/** The kinds of the events reported, in order. */
export const kinds = (events: WidgetEvent[]) => events.map((e) => e.kind)

export const radios = (ui: Queries) => ui.getAllByRole('radio')

/** The radio of one score, found by its number (the ends also carry their label in their name). */
export function radio(ui: Queries, score: number): HTMLElement {
  const found = radios(ui).find((el) => el.textContent == String(score))
  if (!found) throw new Error(`no radio for score ${score}`)
  return found
}

/** Which score is checked, if any. */
export const checked = (ui: Queries) => radios(ui).find((el) => el.getAttribute('aria-checked') == 'true')?.textContent ?? undefined

/** The radios in the tab order: the scale keeps exactly one there. */
export const tabStops = (ui: Queries) => radios(ui).filter((el) => el.tabIndex == 0)

/** Clicks the score, as a mouse does: the button takes focus, then the click. */
export function choose(ui: Queries, score: number) {
  const target = radio(ui, score)
  target.focus()
  fireEvent.click(target)
}

/** Clicks the button of that name. */
export const press = (ui: Queries, name: string | RegExp) => fireEvent.click(ui.getByRole('button', { name }))

/** The element focused inside the widget (document.activeElement is the host). */
export const focused = (shadow: ShadowRoot) => shadow.activeElement as HTMLElement | null

/** A key press on the focused element; false when the widget prevented its default. */
export function key(shadow: ShadowRoot, name: string): boolean {
  const target = focused(shadow)
  if (!target) throw new Error(`nothing in the widget has focus to press ${name} on`)
  return fireEvent.keyDown(target, { key: name })
}

/** Space or Enter on a focused button: a browser turns either into a click on it. */
export function activate(shadow: ShadowRoot, name: ' ' | 'Enter' = ' ') {
  const target = focused(shadow)!
  if (key(shadow, name)) fireEvent.click(target)
  fireEvent.keyUp(target, { key: name })
}

/** Tab: focus moves to the next focusable control in the widget, from the page into it at first. */
export function tab(shadow: ShadowRoot): HTMLElement {
  const order = [...shadow.querySelectorAll<HTMLElement>('button, textarea, input, select, [tabindex]')].filter(
    (el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled,
  )
  const at = order.indexOf(focused(shadow)!)
  const next = order[at + 1]
  if (!next) throw new Error('Tab would leave the widget')
  next.focus()
  return next
}
