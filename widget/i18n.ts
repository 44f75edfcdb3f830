// Every string the widget shows, per locale. English is the fallback; German
// and Arabic ship too (Arabic is right-to-left). Apps add or replace locales
// with the `strings` option; survey texts may be given per locale in the config.
import type { SurveyType } from '../sdk/wire'
import type { Band, Strings, Text } from './types'

export const locales: Record<string, Strings> = {
  en: {
    survey: 'Survey',
    close: 'Close',
    next: 'Next',
    submit: 'Submit',
    thanks: 'Thank you for your feedback!',
    nps: ['How likely are you to recommend us to a friend or colleague?', 'Not at all likely', 'Extremely likely'],
    csat: ['How satisfied are you with your experience?', 'Very dissatisfied', 'Very satisfied'],
    ces: ['The product made it easy to get done what I wanted.', 'Strongly disagree', 'Strongly agree'],
    followUp: {
      detractor: 'What could we do better?',
      passive: 'What would make it better for you?',
      promoter: 'What do you like most?',
      low: 'What went wrong?',
      high: 'What worked well?',
    },
  },
  de: {
    survey: 'Umfrage',
    close: 'Schließen',
    next: 'Weiter',
    submit: 'Absenden',
    thanks: 'Vielen Dank für Ihr Feedback!',
    nps: ['Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?', 'Überhaupt nicht wahrscheinlich', 'Äußerst wahrscheinlich'],
    csat: ['Wie zufrieden sind Sie mit Ihrer Erfahrung?', 'Sehr unzufrieden', 'Sehr zufrieden'],
    ces: ['Das Produkt hat es mir leicht gemacht, mein Ziel zu erreichen.', 'Stimme überhaupt nicht zu', 'Stimme voll und ganz zu'],
    followUp: {
      detractor: 'Was könnten wir besser machen?',
      passive: 'Was würde es für Sie besser machen?',
      promoter: 'Was gefällt Ihnen am meisten?',
      low: 'Was ist schiefgelaufen?',
      high: 'Was hat gut funktioniert?',
    },
  },
  ar: {
    survey: 'استطلاع',
    close: 'إغلاق',
    next: 'التالي',
    submit: 'إرسال',
    thanks: 'شكرًا لك على ملاحظاتك!',
    nps: ['ما مدى احتمال أن توصي بنا لصديق أو زميل؟', 'غير محتمل على الإطلاق', 'محتمل للغاية'],
    csat: ['ما مدى رضاك عن تجربتك؟', 'غير راضٍ جدًا', 'راضٍ جدًا'],
    ces: ['سهّل المنتج عليّ إنجاز ما أردت.', 'لا أوافق بشدة', 'أوافق بشدة'],
    followUp: {
      detractor: 'ما الذي يمكننا تحسينه؟',
      passive: 'ما الذي سيجعل التجربة أفضل لك؟',
      promoter: 'ما أكثر ما يعجبك؟',
      low: 'ما الذي حدث بشكل خاطئ؟',
      high: 'ما الذي نجح بشكل جيد؟',
    },
  },
}

const RTL = ['ar', 'he', 'fa', 'ur']

export interface Locale {
  /** The locale asked for, e.g. "de-AT": config texts are read in it. */
  tag: string
  /** The language the strings are in: the tag, or "en" when neither the built-in nor the app's strings have it (WCAG 3.1.2). */
  lang: string
  dir: 'ltr' | 'rtl'
  strings: Strings
}

/** The closest locale to `tag`: itself, then its base language, then English; app strings over built-in ones. */
export function localeOf(tag: string, extra: Record<string, Partial<Strings>> = {}): Locale {
  const base = tag.split('-')[0]!.toLowerCase()
  const pick = (table: Record<string, Partial<Strings> | undefined>) => table[tag] ?? table[base]
  const lang = pick(locales) || pick(extra) ? tag : 'en'
  return {
    tag,
    lang,
    dir: RTL.includes(lang.split('-')[0]!.toLowerCase()) ? 'rtl' : 'ltr',
    strings: { ...locales.en!, ...extra.en, ...pick(locales), ...pick(extra) } as Strings,
  }
}

/** A config text in the locale: exact tag, base language, English, then any. */
export function text(value: Text | undefined, tag: string): string | undefined {
  if (value == null || typeof value == 'string') return value
  return value[tag] ?? value[tag.split('-')[0]!.toLowerCase()] ?? value.en ?? Object.values(value)[0]
}

export const RANGES: Record<SurveyType, [min: number, max: number]> = { nps: [0, 10], csat: [1, 5], ces: [1, 7] }

/** METRICS.md's bands: NPS 0-6 detractor, 7-8 passive, 9-10 promoter; CSAT 4-5 and CES 5-7 high. */
export function bandOf(type: SurveyType, score: number): Band {
  if (type == 'nps') return score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter'
  return score >= (type == 'csat' ? 4 : 5) ? 'high' : 'low'
}
