import { afterEach, describe, expect, test, vi } from 'vitest'
import { mount } from '../../widget/index'
import css from '../../widget/theme.css?inline'
import type { Survey } from '../../widget/types'
import { choose, focused, kinds, press, show } from './helpers'

/** A control on the host page. */
function pageButton(name = 'Save') {
  const button = document.createElement('button')
  button.textContent = name
  document.body.append(button)
  return button
}

describe('mount', () => {
  test('puts one <northstar-survey> with an open shadow root in the body, at bottom-right by default', () => {
    const { host, events } = show()
    expect(document.querySelectorAll('northstar-survey')).toHaveLength(1)
    expect(host.parentElement).toBe(document.body)
    expect(host.shadowRoot).not.toBeNull()
    expect(host.dataset.position).toBe('bottom-right')
    expect(kinds(events)).toEqual(['shown'])
  })

  test('marks the position the survey asks for', () => {
    expect(show({ display: { position: 'bottom-left' } }).host.dataset.position).toBe('bottom-left')
  })

  test('leaves focus on the page at a popover position', () => {
    const save = pageButton()
    save.focus()
    show({ display: { position: 'bottom-left' } })
    expect(document.activeElement).toBe(save)
  })

  test('renders an inline survey inside its target', () => {
    const target = document.createElement('div')
    target.id = 'feedback'
    document.body.append(target)
    const { host, ui } = show({ display: { position: 'inline', target: '#feedback' } })
    expect(host.parentElement).toBe(target)
    expect(host.dataset.position).toBe('inline')
    expect(ui.getByRole('radiogroup')).toBeTruthy()
  })

  test.each([
    { case: 'matches nothing', display: { position: 'inline', target: '#missing' }, error: 'Survey nps-q3: no element matches display.target "#missing"' },
    { case: 'is missing', display: { position: 'inline' }, error: /Survey nps-q3: .*display\.target/ },
  ] as const)('throws, naming the survey, when an inline target $case, and shows nothing', ({ display, error }) => {
    const on = vi.fn()
    expect(() => mount({ id: 'nps-q3', type: 'nps', display }, { locale: 'en', on })).toThrow(error)
    expect(document.querySelector('northstar-survey')).toBeNull()
    expect(on).not.toHaveBeenCalled()
  })

  test('throws on an inline target that is not a selector, and shows nothing', () => {
    const on = vi.fn()
    expect(() => mount({ id: 'nps-q3', type: 'nps', display: { position: 'inline', target: '#' } }, { locale: 'en', on })).toThrow()
    expect(document.querySelector('northstar-survey')).toBeNull()
    expect(on).not.toHaveBeenCalled()
  })

  test('unmount removes the host and reports nothing', () => {
    const { host, ui, events, unmount } = show()
    choose(ui, 4)
    unmount()
    expect(host.isConnected).toBe(false)
    expect(host.shadowRoot!.querySelector('[role=radiogroup]')).toBeNull()
    expect(document.querySelector('northstar-survey')).toBeNull()
    expect(kinds(events)).toEqual(['shown'])
  })

  test('shows two surveys side by side, each with its own question id', () => {
    const a = show({ type: 'csat' })
    const b = show({ type: 'ces' })
    const id = (s: typeof a) => s.ui.getByRole('radiogroup').getAttribute('aria-labelledby')
    expect(id(a)).not.toBe(id(b))
    a.unmount()
    expect(b.host.isConnected).toBe(true)
  })
})

describe('focus on unmount', () => {
  // happy-dom does not retarget relatedTarget at the host, so a move between two controls inside
  // the widget (arrow keys on the scale) looks like one from the page: those are left to Chromium.
  test('gives focus back to the page control it came from when unmounted with focus inside', () => {
    const save = pageButton()
    save.focus()
    const { ui, shadow, unmount } = show()
    choose(ui, 9)
    press(ui, 'Submit')
    expect(focused(shadow)).toBe(ui.getByRole('button', { name: 'Close' }))
    unmount()
    expect(document.activeElement).toBe(save)
  })

  test('leaves focus on the page control the user moved to', () => {
    const [save, search] = [pageButton('Save'), pageButton('Search')]
    save.focus()
    const { ui, unmount } = show()
    choose(ui, 9)
    search.focus()
    unmount()
    expect(document.activeElement).toBe(search)
  })

  test('gives back no focus it never took', () => {
    const save = pageButton()
    save.focus()
    show().unmount()
    expect(document.activeElement).toBe(save)
  })
})

describe('styles', () => {
  test('adopts a constructed style sheet, with no <style> element', () => {
    const { shadow } = show()
    expect(shadow.adoptedStyleSheets).toHaveLength(1)
    expect(shadow.querySelector('style')).toBeNull()
  })

  test('shares the one constructed sheet between surveys', () => {
    expect(show().shadow.adoptedStyleSheets[0]).toBe(show().shadow.adoptedStyleSheets[0])
  })

  test('uses a <style> with the nonce instead when given one', () => {
    const { shadow } = show({}, { nonce: 'r4nd0m' })
    const style = shadow.querySelector('style')!
    expect(style.nonce).toBe('r4nd0m')
    // Vitest loads CSS as "" unless test.css.include names it, so this proves the wiring, not the text.
    expect(style.textContent).toBe(css)
    expect(shadow.adoptedStyleSheets).toHaveLength(0)
  })
})

describe('theme', () => {
  test('sets each theme value as a custom property on the host', () => {
    const theme = { accent: '#0a7', onAccent: '#000', background: '#fafafa', text: '#111', muted: '#555', border: '#888', font: 'Inter, sans-serif', radius: '4px', zIndex: 10 }
    const { host } = show({ display: { theme } })
    const property = (name: string) => host.style.getPropertyValue(name)
    expect(property('--ns-accent')).toBe('#0a7')
    expect(property('--ns-on-accent')).toBe('#000')
    expect(property('--ns-background')).toBe('#fafafa')
    expect(property('--ns-text')).toBe('#111')
    expect(property('--ns-muted')).toBe('#555')
    expect(property('--ns-border')).toBe('#888')
    expect(property('--ns-font')).toBe('Inter, sans-serif')
    expect(property('--ns-radius')).toBe('4px')
    expect(property('--ns-z-index')).toBe('10')
  })

  test('takes the theme option over the survey theme, key by key', () => {
    const { host } = show({ display: { theme: { accent: 'red', radius: '2px' } } }, { theme: { accent: 'blue', zIndex: 5 } })
    expect(host.style.getPropertyValue('--ns-accent')).toBe('blue')
    expect(host.style.getPropertyValue('--ns-radius')).toBe('2px')
    expect(host.style.getPropertyValue('--ns-z-index')).toBe('5')
  })

  test('sets no property for a value not given, nor for the scheme', () => {
    const { host } = show({ display: { theme: { scheme: 'dark', accent: undefined } } })
    expect(host.getAttribute('style') ?? '').toBe('')
  })

  test.each([
    { scheme: undefined, classes: ['root', 'auto'] },
    { scheme: 'auto', classes: ['root', 'auto'] },
    { scheme: 'dark', classes: ['root', 'dark'] },
    { scheme: 'light', classes: ['root'] },
  ] as const)('gives the root the classes $classes for scheme $scheme', ({ scheme, classes }) => {
    const { shadow } = show({ display: { theme: { scheme } } })
    expect([...shadow.querySelector('[aria-label=Survey]')!.classList]).toEqual(classes)
  })

  test('takes the scheme of the theme option over that of the survey', () => {
    const { shadow } = show({ display: { theme: { scheme: 'dark' } } }, { theme: { scheme: 'light' } })
    expect(shadow.querySelector('.root')!.classList.contains('dark')).toBe(false)
  })
})

describe('center: a modal dialog', () => {
  const center: Partial<Survey> = { display: { position: 'center' } }

  test('renders a <dialog> opened as a modal, named Survey', () => {
    const { ui, host } = show(center)
    const dialog = ui.getByRole('dialog', { name: 'Survey' }) as HTMLDialogElement
    expect(dialog.tagName).toBe('DIALOG')
    expect(dialog.open).toBe(true)
    expect(host.dataset.position).toBe('center')
    // happy-dom's showModal() only sets `open`: no top layer, no focus moved into the dialog,
    // no Escape → cancel. Those are checked in Chromium.
  })

  test('renders a popover as a plain region, not a dialog', () => {
    const { ui } = show()
    expect(ui.queryByRole('dialog')).toBeNull()
    expect(ui.getByRole('region', { name: 'Survey' }).tagName).toBe('SECTION')
  })

  test("dismisses once on the dialog's cancel (Escape in a browser)", () => {
    const { ui, events } = show(center)
    const dialog = ui.getByRole('dialog')
    const cancel = new Event('cancel', { cancelable: true })
    dialog.dispatchEvent(cancel)
    dialog.dispatchEvent(new Event('cancel', { cancelable: true }))
    expect(cancel.defaultPrevented).toBe(true)
    expect(kinds(events)).toEqual(['shown', 'dismissed', 'closed'])
  })

  test('closes the dialog and gives focus back to the page control that had it', () => {
    const opener = pageButton('Open survey')
    opener.focus()
    const { ui, shadow, unmount } = show(center)
    const dialog = ui.getByRole('dialog') as HTMLDialogElement
    choose(ui, 9)
    expect(focused(shadow)).not.toBeNull()
    unmount()
    expect(dialog.open).toBe(false)
    expect(document.activeElement).toBe(opener)
  })

  test('answers like a popover', () => {
    const { ui, events } = show(center)
    choose(ui, 9)
    press(ui, 'Submit')
    press(ui, 'Close')
    expect(kinds(events)).toEqual(['shown', 'response', 'closed'])
  })
})

describe('focus not hidden (WCAG 2.4.11)', () => {
  afterEach(() => void vi.restoreAllMocks())

  /**
   * Lays boxes out as a browser would, happy-dom laying nothing out: page controls where `boxes`
   * puts them, the popover as theme.css places it in a viewport of `width` x `height`
   * (360 x 300 px, at most the width less 32, 16 px from its corner; data-edge=top moves it up).
   */
  function layOut(width: number, height: number, boxes: Map<Element, DOMRect>) {
    vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
      if (!(this instanceof HTMLElement) || this.localName != 'northstar-survey') return boxes.get(this) ?? box(0, 0, 0, 0)
      const w = Math.min(360, width - 32)
      return box(this.dataset.position == 'bottom-left' ? 16 : width - 16 - w, this.dataset.edge == 'top' ? 16 : height - 16 - 300, w, 300)
    })
  }
  const box = (left: number, top: number, width: number, height: number) =>
    ({ left, top, width, height, right: left + width, bottom: top + height, x: left, y: top, toJSON() {} }) as DOMRect
  const place = (host: HTMLElement) => [host.dataset.position, host.dataset.edge ?? 'bottom']

  test('moves a popover to the other bottom corner when a page control under it gets focus', () => {
    const save = pageButton()
    layOut(1280, 800, new Map([[save, box(1000, 700, 80, 32)]]))
    const { host } = show()
    save.focus()
    expect(place(host)).toEqual(['bottom-left', 'bottom'])
  })

  test('moves a popover to the top where both bottom corners cover the control (a narrow viewport)', () => {
    const save = pageButton()
    layOut(375, 800, new Map([[save, box(150, 600, 80, 32)]]))
    const { host } = show()
    save.focus()
    expect(place(host)).toEqual(['bottom-right', 'top'])
  })

  test('stays put when the focused page control is not under it', () => {
    const save = pageButton()
    layOut(1280, 800, new Map([[save, box(20, 20, 80, 32)]]))
    const { host } = show()
    save.focus()
    expect(place(host)).toEqual(['bottom-right', 'bottom'])
  })

  test('stays put where every place covers the control (a tiny viewport)', () => {
    const save = pageButton()
    layOut(320, 330, new Map([[save, box(100, 100, 80, 32)]]))
    const { host } = show({ display: { position: 'bottom-left' } })
    save.focus()
    expect(place(host)).toEqual(['bottom-left', 'bottom'])
  })

  test('ignores a focused element with no box, which shows no focus to hide', () => {
    const hidden = pageButton()
    layOut(1280, 800, new Map([[hidden, box(1000, 700, 0, 0)]]))
    const { host } = show()
    hidden.focus()
    expect(place(host)).toEqual(['bottom-right', 'bottom'])
  })

  test('appears clear of the page control that has focus when it is shown', () => {
    const save = pageButton()
    layOut(1280, 800, new Map([[save, box(1000, 700, 80, 32)]]))
    save.focus()
    const { host } = show()
    expect(place(host)).toEqual(['bottom-left', 'bottom'])
    expect(document.activeElement).toBe(save)
  })

  test('leaves inline and modal surveys where they are', () => {
    const save = pageButton()
    const target = document.createElement('div')
    target.id = 'feedback'
    document.body.append(target)
    layOut(1280, 800, new Map([[save, box(10, 10, 80, 32)]]))
    const inline = show({ display: { position: 'inline', target: '#feedback' } })
    const modal = show({ display: { position: 'center' } })
    save.focus()
    expect(place(inline.host)).toEqual(['inline', 'bottom'])
    expect(place(modal.host)).toEqual(['center', 'bottom'])
  })

  test('stops watching focus once unmounted', () => {
    const save = pageButton()
    layOut(1280, 800, new Map([[save, box(1000, 700, 80, 32)]]))
    const { host, unmount } = show()
    unmount()
    save.focus()
    expect(place(host)).toEqual(['bottom-right', 'bottom'])
  })
})
