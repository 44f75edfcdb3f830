import { describe, expect, test } from 'vitest'
import { bandOf, localeOf, locales, RANGES, text } from '../../widget/i18n'

describe('localeOf', () => {
  test('reads a built-in locale by its exact tag or its base language', () => {
    expect(localeOf('de').strings).toEqual(locales.de)
    expect(localeOf('de-AT')).toMatchObject({ tag: 'de-AT', dir: 'ltr', strings: locales.de })
  })

  test('falls back to English for a locale it does not ship', () => {
    expect(localeOf('ja-JP')).toMatchObject({ tag: 'ja-JP', dir: 'ltr', strings: locales.en })
  })

  test('reads right-to-left languages right to left, whatever their region', () => {
    expect(localeOf('ar').dir).toBe('rtl')
    expect(localeOf('ar-EG').dir).toBe('rtl')
    expect(localeOf('he', { he: { submit: 'שליחה' } }).dir).toBe('rtl')
    expect(localeOf('en-GB').dir).toBe('ltr')
  })

  test('marks the language the strings are in: English, left to right, where the locale has none (WCAG 3.1.2)', () => {
    expect(localeOf('he')).toMatchObject({ tag: 'he', lang: 'en', dir: 'ltr' })
    expect(localeOf('ja-JP')).toMatchObject({ tag: 'ja-JP', lang: 'en', dir: 'ltr', strings: locales.en })
    expect(localeOf('de-AT')).toMatchObject({ tag: 'de-AT', lang: 'de-AT' })
    expect(localeOf('fr', { fr: { submit: 'Envoyer' } })).toMatchObject({ lang: 'fr' })
  })

  test('adds an app locale, English filling the keys it leaves out', () => {
    const { strings } = localeOf('fr-CA', { fr: { submit: 'Envoyer', close: 'Fermer' } })
    expect(strings).toEqual({ ...locales.en, submit: 'Envoyer', close: 'Fermer' })
  })

  test('puts app strings over the built-in ones of the same locale', () => {
    const { strings } = localeOf('de-AT', { de: { submit: 'Senden' } })
    expect(strings).toEqual({ ...locales.de, submit: 'Senden' })
  })

  test('prefers app strings for the exact tag over those for the base language', () => {
    expect(localeOf('de-AT', { de: { submit: 'Senden' }, 'de-AT': { submit: 'Abschicken' } }).strings.submit).toBe('Abschicken')
  })

  // Bug: localeOf spreads locales.en, then the tag's built-in and app strings; app strings
  // given for "en" are never read when the tag falls back to English.
  test("falls back to the app's English strings, not only the built-in ones", () => {
    const extra = { en: { submit: 'Send', thanks: 'Cheers!' } }
    expect(localeOf('ja', extra).strings).toMatchObject({ submit: 'Send', thanks: 'Cheers!' })
    expect(localeOf('fr', { ...extra, fr: { close: 'Fermer' } }).strings).toMatchObject({ submit: 'Send', close: 'Fermer' })
  })

  test('ships every string in every built-in locale', () => {
    for (const strings of Object.values(locales)) {
      expect(Object.keys(strings).sort()).toEqual(Object.keys(locales.en!).sort())
      expect(Object.keys(strings.followUp).sort()).toEqual(['detractor', 'high', 'low', 'passive', 'promoter'])
      for (const kind of ['nps', 'csat', 'ces'] as const) expect(strings[kind]).toHaveLength(3)
    }
  })
})

describe('text', () => {
  const question = { en: 'How was it?', de: 'Wie war es?', 'de-CH': 'Wie isch es gsi?' }

  test('returns plain text as it is, in any locale', () => {
    expect(text('How was it?', 'de')).toBe('How was it?')
  })

  test('returns nothing for no text', () => {
    expect(text(undefined, 'en')).toBeUndefined()
  })

  test('reads text per locale by exact tag, then base language, then English, then any', () => {
    expect(text(question, 'de-CH')).toBe('Wie isch es gsi?')
    expect(text(question, 'de-AT')).toBe('Wie war es?')
    expect(text(question, 'ja')).toBe('How was it?')
    expect(text({ fr: 'Comment était-ce ?' }, 'ja')).toBe('Comment était-ce ?')
  })

  // Bug: localeOf lower-cases the base language ("DE-AT" reads German strings), text() does not,
  // so the survey's own texts stay English beside German buttons. Language tags ignore case.
  test('reads the base language whatever the case of the tag, as localeOf does', () => {
    expect(localeOf('DE-AT').strings).toEqual(locales.de)
    expect(text(question, 'DE-AT')).toBe('Wie war es?')
  })
})

describe('bandOf', () => {
  const bands = (type: 'nps' | 'csat' | 'ces') => {
    const [min, max] = RANGES[type]
    return Array.from({ length: max - min + 1 }, (_, i) => bandOf(type, min + i))
  }

  test('puts NPS 0-6 in detractor, 7-8 in passive and 9-10 in promoter', () => {
    expect(bands('nps')).toEqual([...Array(7).fill('detractor'), 'passive', 'passive', 'promoter', 'promoter'])
  })

  test('puts CSAT 4-5 in high and 1-3 in low', () => {
    expect(bands('csat')).toEqual(['low', 'low', 'low', 'high', 'high'])
  })

  test('puts CES 5-7 in high and 1-4 in low', () => {
    expect(bands('ces')).toEqual(['low', 'low', 'low', 'low', 'high', 'high', 'high'])
  })
})
