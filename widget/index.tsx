// The widget chunk (dist/northstar-widget.js and .mjs), loaded by the SDK only
// when a survey is due. mount() puts one survey in an open shadow root on a
// <northstar-survey> element: the page's CSS cannot reach in, ours cannot leak out.
import { render } from 'preact'
import css from './theme.css?inline'
import { localeOf } from './i18n'
import { Survey } from './survey'
import type { MountOptions, Survey as SurveyConfig, Theme } from './types'

let sheet: CSSStyleSheet | undefined

export function mount(survey: SurveyConfig, { locale = navigator.language || 'en', strings, nonce, theme: overrides, on }: MountOptions): () => void {
  const display = survey.display ?? {}
  const theme: Theme = { ...display.theme, ...overrides }
  const position = display.position ?? 'bottom-right'
  const target = position == 'inline' ? display.target && document.querySelector(display.target) : document.body
  if (!target) throw new Error(`Survey ${survey.id}: no element matches display.target ${JSON.stringify(display.target)}`)

  const host = document.createElement('northstar-survey')
  host.dataset.position = position
  for (const [key, value] of Object.entries(theme))
    if (key != 'scheme' && value != null) host.style.setProperty(`--ns-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value))
  const shadow = host.attachShadow({ mode: 'open' })

  // A <style> element is blocked by `style-src 'self'` unless it carries the page's nonce;
  // a constructed sheet is not, so that is the default wherever it exists.
  if (nonce == null && 'adoptedStyleSheets' in shadow) {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(css)
    shadow.adoptedStyleSheets = [sheet]
  } else {
    const style = document.createElement('style')
    if (nonce) style.nonce = nonce
    style.textContent = css
    shadow.append(style)
  }
  const box = document.createElement('div')
  shadow.append(box)
  target.append(host)

  render(<Survey survey={survey} locale={localeOf(locale, strings)} modal={position == 'center'} scheme={theme.scheme == 'light' ? '' : (theme.scheme ?? 'auto')} on={on} />, box)
  // After the render: the popover has its size only once it has content.
  const stopDodging = position.startsWith('bottom') ? dodgeFocus(host) : undefined
  // Where focus was before the user moved into the popover, to give it back when it closes
  // (the modal dialog gives focus back itself).
  let before: HTMLElement | undefined
  const onFocusIn = (e: FocusEvent) => {
    const from = e.relatedTarget as HTMLElement | null
    if (from && from != host && from.getRootNode() != shadow) before = from
  }
  host.addEventListener('focusin', onFocusIn)
  const unmount = () => {
    stopDodging?.()
    const hadFocus = !!shadow.activeElement
    render(null, box)
    host.remove()
    if (hadFocus && before?.isConnected) before.focus()
  }
  on({ kind: 'shown' })
  return unmount
}

/**
 * WCAG 2.4.11: a page control that has focus or gets it must not be hidden behind the popover.
 * When one would be entirely under it, the popover moves to the other bottom corner, or, where
 * that covers it too (a narrow viewport, where the popover spans the width), to the top.
 */
function dodgeFocus(host: HTMLElement) {
  const home = host.dataset.position!
  const other = home == 'bottom-left' ? 'bottom-right' : 'bottom-left'
  const places = [[home, ''], [other, ''], [home, 'top'], [other, 'top']] as const
  const place = ([position, edge]: (typeof places)[number]) => {
    host.dataset.position = position
    if (edge) host.dataset.edge = edge
    else delete host.dataset.edge
  }
  const hides = (a: DOMRect) => {
    const b = host.getBoundingClientRect()
    return a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom
  }
  const dodge = (el: Element | null) => {
    if (!el || el == host || el == document.body || !el.getBoundingClientRect) return
    const a = el.getBoundingClientRect()
    // An element without a box (display: none) shows no focus to hide.
    if ((!a.width && !a.height) || !hides(a)) return
    // Reading the box after each move lays out at once, and nothing is painted in between.
    const was = places.find(([position, edge]) => position == host.dataset.position && edge == (host.dataset.edge ?? ''))!
    for (const p of places) {
      if (p == was) continue
      place(p)
      if (!hides(a)) return
    }
    place(was) // nowhere uncovers it (a tiny viewport): stay put rather than jump
  }
  const onFocus = (e: FocusEvent) => dodge(e.target as Element)
  // The popover never takes focus, so it may appear right over the control that has it.
  dodge(document.activeElement)
  document.addEventListener('focusin', onFocus)
  return () => document.removeEventListener('focusin', onFocus)
}
