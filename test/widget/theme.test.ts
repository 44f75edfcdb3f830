// theme.css read as text: vitest hands the widget an empty string for it, and happy-dom
// lays nothing out, so what DESIGN.md asks of the sheet itself is checked here.
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

const css = readFileSync('widget/theme.css', 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')

/** Each rule's selector and declarations, at-rules' bodies flattened. */
const rules = [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)].map(([, selector, body]) => ({
  selector: selector!.trim(),
  declarations: body!.split(';').map((d) => d.trim()).filter(Boolean),
}))

test('marks every :host declaration !important, so a page-wide `all: unset` cannot beat it', () => {
  const host = rules.filter((r) => r.selector.startsWith(':host'))
  expect(host.length).toBeGreaterThan(0)
  for (const { selector, declarations } of host)
    for (const declaration of declarations) expect(declaration, selector).toMatch(/!important$/)
})

test('sizes in px, never rem or em, so the page root font size cannot scale the widget', () => {
  expect(css).not.toMatch(/\d(r?em)\b/)
})

test('styles every theme property the host may carry', () => {
  for (const name of ['accent', 'on-accent', 'background', 'text', 'muted', 'border', 'font', 'radius', 'z-index']) expect(css).toContain(`var(--ns-${name}`)
})

test('shows the chosen score by more than colour', () => {
  const selected = rules.find((r) => r.selector == ".scale button[aria-checked='true']")!
  expect(selected.declarations.join(';')).toMatch(/border: 3px/)
  expect(selected.declarations.join(';')).toMatch(/font-weight: 700/)
})

test('gives each radio at least 24 by 24 px', () => {
  const radio = rules.find((r) => r.selector == '.scale button')!
  expect(radio.declarations).toContain('min-width: 24px')
  expect(radio.declarations.some((d) => /^min-height: (2[4-9]|[3-9]\d)px$/.test(d))).toBe(true)
})
