import { fireEvent, within } from '@testing-library/preact'
import { describe, expect, test } from 'vitest'
import { localeOf, locales } from '../../widget/i18n'
import type { Band } from '../../widget/types'
import { checked, choose, focused, key, kinds, press, radio, radios, show } from './helpers'

const en = locales.en!
const de = locales.de!
const ar = locales.ar!

/** Types a follow-up answer into the text box. */
const type = (box: HTMLElement, value: string) => fireEvent.input(box, { target: { value } })

describe.each([
  { kind: 'nps', scores: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  { kind: 'csat', scores: [1, 2, 3, 4, 5] },
  { kind: 'ces', scores: [1, 2, 3, 4, 5, 6, 7] },
] as const)('$kind', ({ kind, scores }) => {
  const [question, low, high] = en[kind]
  const [min, max] = [scores[0], scores.at(-1)!]

  test('renders a radiogroup named by the default question, a radio per score and none checked', () => {
    const { ui, shadow } = show({ type: kind })
    const group = ui.getByRole('radiogroup', { name: question })
    const labelledBy = shadow.getElementById(group.getAttribute('aria-labelledby')!)
    expect(labelledBy?.textContent).toBe(question)
    expect(within(group).getAllByRole('radio').map((el) => el.textContent)).toEqual(scores.map(String))
    expect(checked(ui)).toBeUndefined()
  })

  test('names the two ends of the scale by what they mean', () => {
    const { ui } = show({ type: kind })
    expect(ui.getByRole('radio', { name: `${min}: ${low}` })).toBe(radio(ui, min))
    expect(ui.getByRole('radio', { name: `${max}: ${high}` })).toBe(radio(ui, max))
  })

  test('asks the configured question instead of the default one', () => {
    const { ui } = show({ type: kind, question: 'How do you rate the new editor?' })
    expect(ui.getByRole('radiogroup', { name: 'How do you rate the new editor?' })).toBeTruthy()
    expect(ui.queryByText(question)).toBeNull()
  })

  test('asks the configured question in the locale shown', () => {
    const { ui } = show({ type: kind, question: { en: 'How is the editor?', de: 'Wie ist der Editor?' } }, { locale: 'de' })
    expect(ui.getByRole('radiogroup', { name: 'Wie ist der Editor?' })).toBeTruthy()
  })

  test('answers by mouse: a score, Submit, the thank-you, then Close', () => {
    const { ui, events } = show({ type: kind })
    choose(ui, max)
    press(ui, 'Submit')
    expect(ui.getByRole('status').textContent).toBe(en.thanks)
    press(ui, 'Close')
    expect(events).toEqual([{ kind: 'shown' }, { kind: 'response', score: max, comment: undefined }, { kind: 'closed' }])
  })
})

describe('answering', () => {
  test('selecting a score never submits by itself', () => {
    const { ui, events } = show()
    for (const score of [3, 9, 10]) {
      choose(ui, score)
      expect(checked(ui)).toBe(String(score))
    }
    expect(kinds(events)).toEqual(['shown'])
    expect(ui.getByRole('radiogroup')).toBeTruthy()
  })

  test('keeps Submit disabled until a score is chosen', () => {
    const { ui, events } = show()
    const submit = ui.getByRole('button', { name: 'Submit' }) as HTMLButtonElement
    expect(submit.disabled).toBe(true)
    fireEvent.click(submit)
    expect(kinds(events)).toEqual(['shown'])
    choose(ui, 5)
    expect(submit.disabled).toBe(false)
  })

  test('sends the last score chosen', () => {
    const { ui, events } = show()
    choose(ui, 2)
    choose(ui, 8)
    press(ui, 'Submit')
    expect(events[1]).toEqual({ kind: 'response', score: 8, comment: undefined })
  })
})

describe('follow-up', () => {
  test.each<{ kind: 'nps' | 'csat' | 'ces'; score: number; band: Band }>([
    { kind: 'nps', score: 0, band: 'detractor' },
    { kind: 'nps', score: 6, band: 'detractor' },
    { kind: 'nps', score: 7, band: 'passive' },
    { kind: 'nps', score: 8, band: 'passive' },
    { kind: 'nps', score: 9, band: 'promoter' },
    { kind: 'nps', score: 10, band: 'promoter' },
    { kind: 'csat', score: 3, band: 'low' },
    { kind: 'csat', score: 4, band: 'high' },
    { kind: 'ces', score: 4, band: 'low' },
    { kind: 'ces', score: 5, band: 'high' },
  ])('asks the $band question of the locale after $kind $score', ({ kind, score, band }) => {
    const { ui, shadow } = show({ type: kind, followUp: true })
    choose(ui, score)
    press(ui, 'Next')
    const box = ui.getByRole('textbox', { name: en.followUp[band] })
    expect(focused(shadow)).toBe(box)
    expect(ui.queryByRole('radiogroup')).toBeNull()
  })

  test('asks the band question of the chosen score when Next is pressed', () => {
    const { ui } = show({ followUp: true })
    choose(ui, 10)
    choose(ui, 2)
    press(ui, 'Next')
    expect(ui.getByRole('textbox', { name: en.followUp.detractor })).toBeTruthy()
  })

  test('asks one configured text after every band', () => {
    for (const score of [0, 7, 10]) {
      const { ui, unmount } = show({ followUp: 'Why this score?' })
      choose(ui, score)
      press(ui, 'Next')
      expect(ui.getByRole('textbox', { name: 'Why this score?' })).toBeTruthy()
      unmount()
    }
  })

  test('asks one configured text per locale after every band', () => {
    const { ui } = show({ type: 'csat', followUp: { en: 'Why?', de: 'Warum?' } }, { locale: 'de-AT' })
    choose(ui, 5)
    press(ui, de.next)
    expect(ui.getByRole('textbox', { name: 'Warum?' })).toBeTruthy()
  })

  test('asks a follow-up per band only after the bands given, and submits the others at once', () => {
    const survey = { followUp: { detractor: 'What went wrong?', passive: { en: 'What is missing?', de: 'Was fehlt?' } } }
    const detractor = show(survey)
    choose(detractor.ui, 4)
    press(detractor.ui, 'Next')
    expect(detractor.ui.getByRole('textbox', { name: 'What went wrong?' })).toBeTruthy()

    const passive = show(survey, { locale: 'de' })
    choose(passive.ui, 8)
    press(passive.ui, de.next)
    expect(passive.ui.getByRole('textbox', { name: 'Was fehlt?' })).toBeTruthy()

    const promoter = show(survey)
    choose(promoter.ui, 9)
    expect(promoter.ui.queryByRole('button', { name: 'Next' })).toBeNull()
    press(promoter.ui, 'Submit')
    expect(promoter.events).toEqual([{ kind: 'shown' }, { kind: 'response', score: 9, comment: undefined }])
    expect(promoter.ui.getByRole('status').textContent).toBe(en.thanks)
  })

  test('labels the button Next before a follow-up and Submit before none, as the chosen score changes', () => {
    const { ui } = show({ type: 'csat', followUp: { low: 'What went wrong?' } })
    choose(ui, 2)
    expect(ui.getByRole('button', { name: 'Next' })).toBeTruthy()
    choose(ui, 5)
    expect(ui.getByRole('button', { name: 'Submit' })).toBeTruthy()
  })

  test('sends the comment trimmed with the score', () => {
    const { ui, events } = show({ type: 'ces', followUp: true })
    choose(ui, 2)
    press(ui, 'Next')
    expect(kinds(events)).toEqual(['shown'])
    type(ui.getByRole('textbox'), '  The export took three tries.\n ')
    press(ui, 'Submit')
    expect(events).toEqual([{ kind: 'shown' }, { kind: 'response', score: 2, comment: 'The export took three tries.' }])
  })

  test('sends an empty or blank comment as none', () => {
    for (const comment of ['', ' \n\t ']) {
      const { ui, events, unmount } = show({ followUp: true })
      choose(ui, 6)
      press(ui, 'Next')
      type(ui.getByRole('textbox'), comment)
      press(ui, 'Submit')
      expect(events[1]).toEqual({ kind: 'response', score: 6, comment: undefined })
      unmount()
    }
  })

  test('caps the comment at 2000 characters', () => {
    const { ui } = show({ followUp: true })
    choose(ui, 6)
    press(ui, 'Next')
    expect((ui.getByRole('textbox') as HTMLTextAreaElement).maxLength).toBe(2000)
  })
})

describe('dismissal', () => {
  test('Close before a score dismisses, then closes', () => {
    const { ui, events } = show()
    press(ui, 'Close')
    expect(events).toEqual([{ kind: 'shown' }, { kind: 'dismissed' }, { kind: 'closed' }])
  })

  test('Close after a score is chosen but not submitted still dismisses', () => {
    const { ui, events } = show()
    choose(ui, 7)
    press(ui, 'Close')
    expect(kinds(events)).toEqual(['shown', 'dismissed', 'closed'])
  })

  test('Escape anywhere in the widget dismisses, then closes', () => {
    const { ui, shadow, events } = show()
    radio(ui, 5).focus()
    expect(key(shadow, 'Escape')).toBe(false)
    expect(events).toEqual([{ kind: 'shown' }, { kind: 'dismissed' }, { kind: 'closed' }])
  })

  test('closing at the follow-up keeps the score given, with no comment', () => {
    const { ui, events } = show({ followUp: true })
    choose(ui, 3)
    press(ui, 'Next')
    press(ui, 'Close')
    expect(events).toEqual([{ kind: 'shown' }, { kind: 'response', score: 3 }, { kind: 'closed' }])
    expect(events[1]).not.toHaveProperty('comment')
  })

  test('Escape at the follow-up keeps the score given', () => {
    const { ui, shadow, events } = show({ type: 'csat', followUp: true })
    choose(ui, 4)
    press(ui, 'Next')
    key(shadow, 'Escape')
    expect(events).toEqual([{ kind: 'shown' }, { kind: 'response', score: 4 }, { kind: 'closed' }])
  })

  test('Close after the thank-you only closes', () => {
    const { ui, shadow, events } = show()
    choose(ui, 10)
    press(ui, 'Submit')
    key(shadow, 'Escape')
    expect(kinds(events)).toEqual(['shown', 'response', 'closed'])
  })

  test('reports nothing twice when closed twice', () => {
    const atScore = show()
    press(atScore.ui, 'Close')
    press(atScore.ui, 'Close')
    radio(atScore.ui, 1).focus()
    key(atScore.shadow, 'Escape')
    expect(kinds(atScore.events)).toEqual(['shown', 'dismissed', 'closed'])

    const atFollowUp = show({ followUp: true })
    choose(atFollowUp.ui, 9)
    press(atFollowUp.ui, 'Next')
    key(atFollowUp.shadow, 'Escape')
    press(atFollowUp.ui, 'Close')
    expect(kinds(atFollowUp.events)).toEqual(['shown', 'response', 'closed'])
  })
})

describe('thank-you', () => {
  test('announces it in a live region that is there, empty, from the start', () => {
    const { ui } = show({ followUp: true })
    const status = ui.getByRole('status')
    expect(status.textContent).toBe('')
    choose(ui, 8)
    press(ui, 'Next')
    expect(ui.getByRole('status')).toBe(status)
    expect(status.textContent).toBe('')
    press(ui, 'Submit')
    expect(ui.getByRole('status')).toBe(status)
    expect(status.textContent).toBe(en.thanks)
    expect(ui.queryByRole('radiogroup')).toBeNull()
    expect(ui.queryByRole('textbox')).toBeNull()
  })

  test('says the configured thank-you, per locale too', () => {
    const plain = show({ thankYou: 'Thanks, we read every answer.' })
    choose(plain.ui, 9)
    press(plain.ui, 'Submit')
    expect(plain.ui.getByRole('status').textContent).toBe('Thanks, we read every answer.')

    const perLocale = show({ thankYou: { en: 'Thanks!', de: 'Danke!' } }, { locale: 'de' })
    choose(perLocale.ui, 9)
    press(perLocale.ui, de.submit)
    expect(perLocale.ui.getByRole('status').textContent).toBe('Danke!')
  })

  test('moves focus to Close once submitted from the score', () => {
    const { ui, shadow } = show()
    choose(ui, 9)
    press(ui, 'Submit')
    expect(focused(shadow)).toBe(ui.getByRole('button', { name: 'Close' }))
  })

  test('moves focus to Close once submitted from the follow-up', () => {
    const { ui, shadow } = show({ followUp: true })
    choose(ui, 9)
    press(ui, 'Next')
    press(ui, 'Submit')
    expect(focused(shadow)).toBe(ui.getByRole('button', { name: 'Close' }))
  })
})

describe('locales', () => {
  test.each(['de', 'de-AT'])('speaks German in %s', (locale) => {
    const { ui, shadow } = show({ type: 'csat' }, { locale })
    expect(ui.getByRole('region', { name: de.survey })).toBeTruthy()
    expect(ui.getByRole('radiogroup', { name: de.csat[0] })).toBeTruthy()
    expect(ui.getByRole('radio', { name: `1: ${de.csat[1]}` })).toBeTruthy()
    expect(ui.getByRole('button', { name: de.close })).toBeTruthy()
    expect(ui.getByRole('button', { name: de.submit })).toBeTruthy()
    const root = shadow.querySelector('.root')!
    expect(root.getAttribute('lang')).toBe(locale)
    expect(root.getAttribute('dir')).toBe('ltr')
    choose(ui, 5)
    press(ui, de.submit)
    expect(ui.getByRole('status').textContent).toBe(de.thanks)
  })

  test('speaks Arabic right to left in ar', () => {
    const { ui, shadow } = show({ followUp: true }, { locale: 'ar' })
    expect(shadow.querySelector('.root')!.getAttribute('dir')).toBe('rtl')
    expect(ui.getByRole('radiogroup', { name: ar.nps[0] })).toBeTruthy()
    choose(ui, 10)
    press(ui, ar.next)
    expect(ui.getByRole('textbox', { name: ar.followUp.promoter })).toBeTruthy()
    press(ui, ar.submit)
    expect(ui.getByRole('status').textContent).toBe(ar.thanks)
  })

  test('falls back to English in a locale it does not ship', () => {
    const { ui, shadow } = show({}, { locale: 'ja-JP' })
    expect(ui.getByRole('radiogroup', { name: en.nps[0] })).toBeTruthy()
    expect(shadow.querySelector('.root')!.getAttribute('dir')).toBe('ltr')
  })

  test('speaks a locale the app adds, English filling what it leaves out', () => {
    const { ui } = show({ followUp: true }, { locale: 'fr-FR', strings: { fr: { next: 'Suivant', submit: 'Envoyer', close: 'Fermer' } } })
    expect(ui.getByRole('button', { name: 'Fermer' })).toBeTruthy()
    expect(ui.getByRole('radiogroup', { name: en.nps[0] })).toBeTruthy()
    choose(ui, 5)
    press(ui, 'Suivant')
    press(ui, 'Envoyer')
    expect(ui.getByRole('status').textContent).toBe(en.thanks)
  })

  test('uses the strings the app replaces in a built-in locale', () => {
    const { ui } = show({}, { locale: 'de', strings: { de: { submit: 'Senden' } } })
    expect(ui.getByRole('button', { name: 'Senden' })).toBeTruthy()
    expect(ui.getByRole('button', { name: de.close })).toBeTruthy()
  })

  test('reads survey texts in the locale shown, else its base language, else English', () => {
    const question = { en: 'Rate the editor', de: 'Bewerten Sie den Editor', 'de-CH': 'Bewerte dr Editor' }
    expect(show({ question }, { locale: 'de-CH' }).ui.getByRole('radiogroup', { name: 'Bewerte dr Editor' })).toBeTruthy()
    expect(show({ question }, { locale: 'de-AT' }).ui.getByRole('radiogroup', { name: 'Bewerten Sie den Editor' })).toBeTruthy()
    expect(show({ question }, { locale: 'ar' }).ui.getByRole('radiogroup', { name: 'Rate the editor' })).toBeTruthy()
  })

  test('shows the locale of the browser when given none', () => {
    const { ui } = show({}, { locale: undefined })
    expect(ui.getByRole('radiogroup', { name: localeOf(navigator.language).strings.nps[0] })).toBeTruthy()
  })

  test('lists the radios in score order whatever the direction', () => {
    const { ui } = show({}, { locale: 'ar' })
    expect(radios(ui).map((el) => el.textContent)).toEqual(Array.from({ length: 11 }, (_, i) => String(i)))
  })
})
