// The scale by keyboard only: a roving tabindex, arrows that move focus without
// choosing, Space or Enter that choose, and arrows that follow the reading direction.
import { act, fireEvent } from '@testing-library/preact'
import { describe, expect, test } from 'vitest'
import { locales } from '../../widget/i18n'
import { activate, checked, choose, focused, key, kinds, radio, show, tab, tabStops } from './helpers'

/** Focus on the radio group's tab stop, as Tab from the Close button puts it. */
function enterScale(shown: ReturnType<typeof show>) {
  shown.ui.getByRole('button', { name: /close|schließen|إغلاق/i }).focus()
  return tab(shown.shadow)
}

/** The score of the focused radio. */
const at = (shadow: ShadowRoot) => Number(focused(shadow)?.textContent)

describe('tab order', () => {
  test('puts exactly one radio in the tab order, the lowest score before any is chosen', () => {
    const { ui } = show()
    expect(tabStops(ui)).toEqual([radio(ui, 0)])
    expect(radio(ui, 5).tabIndex).toBe(-1)
  })

  test('puts the chosen radio in the tab order', () => {
    const { ui } = show({ type: 'csat' })
    choose(ui, 4)
    expect(tabStops(ui)).toEqual([radio(ui, 4)])
  })

  test('moves the tab stop with focus', () => {
    const shown = show({ type: 'ces' })
    enterScale(shown)
    key(shown.shadow, 'End')
    expect(tabStops(shown.ui)).toEqual([radio(shown.ui, 7)])
  })

  test('gives the tab stop back to the chosen score when focus leaves the group', () => {
    const shown = show({ type: 'ces' })
    enterScale(shown)
    key(shown.shadow, 'ArrowRight')
    key(shown.shadow, 'ArrowRight')
    activate(shown.shadow) // 3 chosen
    key(shown.shadow, 'ArrowRight')
    key(shown.shadow, 'ArrowRight') // focus on 5, 3 still chosen
    expect(tabStops(shown.ui)).toEqual([radio(shown.ui, 5)])
    act(() => shown.ui.getByRole('button', { name: 'Submit' }).focus())
    expect(tabStops(shown.ui)).toEqual([radio(shown.ui, 3)])
  })

  test('goes from Close to the scale to Submit, skipping Submit while it is disabled', () => {
    const shown = show()
    expect(enterScale(shown)).toBe(radio(shown.ui, 0))
    expect(() => tab(shown.shadow)).toThrow('Tab would leave the widget')
    activate(shown.shadow)
    expect(tab(shown.shadow)).toBe(shown.ui.getByRole('button', { name: 'Submit' }))
  })
})

describe('arrow keys', () => {
  test('ArrowRight and ArrowDown move focus to the next score, ArrowLeft and ArrowUp to the one before', () => {
    const shown = show()
    enterScale(shown)
    const moves: number[] = []
    for (const name of ['ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp']) {
      key(shown.shadow, name)
      moves.push(at(shown.shadow))
    }
    expect(moves).toEqual([1, 2, 3, 2, 1])
  })

  test('wrap around at both ends', () => {
    const shown = show()
    enterScale(shown)
    key(shown.shadow, 'ArrowLeft')
    expect(at(shown.shadow)).toBe(10)
    key(shown.shadow, 'ArrowDown')
    expect(at(shown.shadow)).toBe(0)
    key(shown.shadow, 'ArrowUp')
    expect(at(shown.shadow)).toBe(10)
    key(shown.shadow, 'ArrowRight')
    expect(at(shown.shadow)).toBe(0)
  })

  test.each([
    { kind: 'csat', min: 1, max: 5 },
    { kind: 'ces', min: 1, max: 7 },
  ] as const)('wrap around on $kind $min-$max', ({ kind, min, max }) => {
    const shown = show({ type: kind })
    expect(enterScale(shown)).toBe(radio(shown.ui, min))
    key(shown.shadow, 'ArrowLeft')
    expect(at(shown.shadow)).toBe(max)
    key(shown.shadow, 'ArrowRight')
    expect(at(shown.shadow)).toBe(min)
  })

  test('Home and End move focus to the lowest and highest score', () => {
    const shown = show({ type: 'ces' })
    enterScale(shown)
    key(shown.shadow, 'End')
    expect(at(shown.shadow)).toBe(7)
    key(shown.shadow, 'Home')
    expect(at(shown.shadow)).toBe(1)
  })

  test('move focus without choosing or reporting anything', () => {
    const shown = show()
    choose(shown.ui, 3)
    key(shown.shadow, 'ArrowRight')
    key(shown.shadow, 'End')
    expect(at(shown.shadow)).toBe(10)
    expect(checked(shown.ui)).toBe('3')
    expect(radio(shown.ui, 10).getAttribute('aria-checked')).toBe('false')
    expect(kinds(shown.events)).toEqual(['shown'])
  })

  test('do not scroll the page, while other keys keep their default', () => {
    const shown = show()
    enterScale(shown)
    for (const name of ['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End']) expect(key(shown.shadow, name)).toBe(false)
    for (const name of ['Tab', 'a', '5']) expect(key(shown.shadow, name)).toBe(true)
  })

  test('leave arrows with a modifier to the browser (Alt+Left is Back)', () => {
    const shown = show()
    enterScale(shown)
    const before = focused(shown.shadow)
    for (const modifier of ['altKey', 'ctrlKey', 'metaKey']) expect(fireEvent.keyDown(before!, { key: 'ArrowLeft', [modifier]: true })).toBe(true)
    expect(focused(shown.shadow)).toBe(before)
  })

  test('follow the reading direction in right-to-left locales: ArrowLeft moves forward', () => {
    const shown = show({}, { locale: 'ar' })
    enterScale(shown)
    const moves: number[] = []
    for (const name of ['ArrowLeft', 'ArrowLeft', 'ArrowRight', 'ArrowDown', 'ArrowUp', 'ArrowRight', 'ArrowRight']) {
      key(shown.shadow, name)
      moves.push(at(shown.shadow))
    }
    expect(moves).toEqual([1, 2, 1, 2, 1, 0, 10])
  })
})

describe('Space and Enter', () => {
  test.each([' ', 'Enter'] as const)('choose the focused score with %j, without submitting', (name) => {
    const shown = show()
    enterScale(shown)
    key(shown.shadow, 'End')
    key(shown.shadow, 'ArrowLeft')
    activate(shown.shadow, name)
    expect(checked(shown.ui)).toBe('9')
    expect(kinds(shown.events)).toEqual(['shown'])
  })
})

describe('keyboard only', () => {
  test('answers a survey with a follow-up and closes it', () => {
    const shown = show({ followUp: true })
    const { shadow, ui, events } = shown
    enterScale(shown)
    for (let i = 0; i < 8; i++) key(shadow, 'ArrowRight')
    activate(shadow, ' ')
    expect(tab(shadow)).toBe(ui.getByRole('button', { name: 'Next' }))
    activate(shadow, 'Enter')
    expect(focused(shadow)).toBe(ui.getByRole('textbox', { name: locales.en!.followUp.passive }))
    fireEvent.input(focused(shadow)!, { target: { value: 'Dark mode' } })
    expect(tab(shadow)).toBe(ui.getByRole('button', { name: 'Submit' }))
    activate(shadow, 'Enter')
    expect(focused(shadow)).toBe(ui.getByRole('button', { name: 'Close' }))
    activate(shadow, 'Enter')
    expect(events).toEqual([{ kind: 'shown' }, { kind: 'response', score: 8, comment: 'Dark mode' }, { kind: 'closed' }])
  })

  test('answers in Arabic with the arrow that points forward in it', () => {
    const shown = show({ type: 'csat' }, { locale: 'ar' })
    const { shadow, ui, events } = shown
    enterScale(shown)
    key(shadow, 'ArrowLeft')
    key(shadow, 'ArrowLeft')
    activate(shadow, 'Enter')
    tab(shadow)
    activate(shadow, 'Enter')
    expect(events[1]).toEqual({ kind: 'response', score: 3, comment: undefined })
    expect(ui.getByRole('status').textContent).toBe(locales.ar!.thanks)
  })
})
