// A survey as northstar.config.json defines it and `GET /v1/surveys` serves it.
// The widget and the SDK's eligibility read these types; the collector's zod
// schema (collector/surveys.ts) is checked against them both ways by tsc
// (test/collector/surveys.test.ts), so the three cannot drift.
import type { SurveyType } from '../sdk/wire'

/** Plain text, or text per locale (`{ "en": "…", "de": "…" }`, the base language as fallback). */
export type Text = string | Record<string, string>

/** The score bands a follow-up question can differ by: NPS has three, CSAT and CES two. */
export type Band = 'detractor' | 'passive' | 'promoter' | 'low' | 'high'

export interface Survey {
  id: string
  type: SurveyType
  /** Defaults to the locale's standard wording for the kind. */
  question?: Text
  /** An open-text question after the score: `true` for the locale's wording, one text for all bands, or a text per band (a band left out gets none). */
  followUp?: true | Text | Partial<Record<Band, Text>>
  thankYou?: Text
  /** `false` keeps a survey in the config without serving it. */
  active?: boolean
  targeting?: Targeting
  display?: Display
}

/** When a survey is due; every rule given must hold. A survey with no trigger (event, step or activation) is due on page load and navigation. */
export interface Targeting {
  /** Due right after this event is tracked. */
  event?: string
  /** Due right after this onboarding step (`step(id)`). */
  step?: string
  /** Due right after the value event (the collector fills in `event` from `activation.valueEvent`). */
  activation?: boolean
  /** At least this many sessions in this browser. */
  sessions?: number
  /** At least this many days since signup (`createdAt` from identify, else the first visit). */
  daysSinceSignup?: number
  /** The page URL: exact or prefix (a value starting with "/" is compared with the path, else with the whole URL), or a regular expression on the whole URL. */
  url?: { exact?: string; prefix?: string; regex?: string }
  /** Person traits (identify) that must be equal. */
  traits?: Record<string, string | number | boolean>
  /** Account traits (group) that must be equal. */
  accountTraits?: Record<string, string | number | boolean>
  /** Percentage of persons who get it, rolled once per person and kept. */
  sample?: number
  /** Wait this many seconds after it becomes due, then show it if it still may be. */
  delaySeconds?: number
  /** Ask again this many days after it was last seen; without it, never again. */
  recontactDays?: number
}

export type Position = 'bottom-right' | 'bottom-left' | 'center' | 'inline'

export interface Display {
  /** Default bottom-right; `center` is a modal `<dialog>`; `inline` renders inside `target`. */
  position?: Position
  /** A CSS selector of the element an inline survey renders in. */
  target?: string
  theme?: Theme
}

/** Each becomes a CSS custom property on the widget's host element (`accent` → `--ns-accent`); a host page may set those itself. */
export interface Theme {
  accent?: string
  onAccent?: string
  background?: string
  text?: string
  muted?: string
  border?: string
  font?: string
  radius?: string
  /** `light` or `dark` fixes the colour scheme; default follows `prefers-color-scheme`. */
  scheme?: 'light' | 'dark' | 'auto'
  /** Default 2147483000, above typical app chrome. */
  zIndex?: number
}

/** What the widget reports; the SDK turns these into `$survey_*` events. */
export type WidgetEvent = { kind: 'shown' } | { kind: 'dismissed' } | { kind: 'response'; score: number; comment?: string } | { kind: 'closed' }

export interface MountOptions {
  /** BCP 47; default the browser's language. */
  locale?: string
  /** Extra or replacement strings per locale: `{ fr: { submit: "Envoyer", … } }`. */
  strings?: Record<string, Partial<Strings>>
  /** A CSP nonce: styles go in a `<style nonce>` instead of `adoptedStyleSheets`. */
  nonce?: string
  /** Overrides the survey's own display theme, key by key. */
  theme?: Theme
  on(event: WidgetEvent): void
}

export interface Widget {
  /** Shows `survey`; returns a function that removes it. */
  mount(survey: Survey, options: MountOptions): () => void
}

export interface Strings {
  survey: string
  close: string
  next: string
  submit: string
  thanks: string
  nps: [question: string, low: string, high: string]
  csat: [question: string, low: string, high: string]
  ces: [question: string, low: string, high: string]
  followUp: Record<Band, string>
}
