// One survey, in three steps: the score, the optional follow-up for its band,
// and the thank-you (announced through a live region that exists from the
// start, so screen readers hear it change).
import { useEffect, useRef, useState } from 'preact/hooks'
import { bandOf, RANGES, text, type Locale } from './i18n'
import { Scale } from './scale'
import type { Survey as SurveyConfig, WidgetEvent } from './types'

interface Props {
  survey: SurveyConfig
  locale: Locale
  /** The center position: a modal `<dialog>` that takes focus and gives it back. */
  modal: boolean
  /** `dark`, `auto` (follows prefers-color-scheme) or light. */
  scheme: string
  on(event: WidgetEvent): void
}

let ids = 0

export function Survey({ survey, locale: { tag, lang, dir, strings }, modal, scheme, on }: Props) {
  const [step, setStep] = useState<'score' | 'comment' | 'thanks'>('score')
  const [score, setScore] = useState<number>()
  const [comment, setComment] = useState('')
  const [id] = useState(() => `ns${++ids}`)
  const [min, max] = RANGES[survey.type]
  const [question, low, high] = strings[survey.type]
  // The button that moved us on is gone: focus goes to the next step's first control, not to the page.
  const next = useRef<HTMLTextAreaElement & HTMLButtonElement>(null)
  useEffect(() => void (step != 'score' && next.current?.focus()), [step])
  const followUp = score == null ? undefined : followUpOf(survey, bandOf(survey.type, score), strings.followUp, tag)

  const root = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = root.current!
    if (!modal) return
    const opener = document.activeElement as HTMLElement | null
    dialog.showModal()
    return () => (dialog.close(), opener?.focus())
  }, [])

  const answer = () => {
    on({ kind: 'response', score: score!, comment: comment.trim() || undefined })
    setStep('thanks')
  }
  const closed = useRef(false)
  /** Closing before a score dismisses; closing at the follow-up keeps the score given. */
  const close = () => {
    if (closed.current) return
    closed.current = true
    if (step == 'score') on({ kind: 'dismissed' })
    if (step == 'comment') on({ kind: 'response', score: score! })
    on({ kind: 'closed' })
  }
  const Root = modal ? 'dialog' : 'section'

  return (
    <Root
      ref={root}
      class={`root ${scheme}`}
      dir={dir}
      lang={lang}
      aria-label={strings.survey}
      onKeyDown={(e) => e.key == 'Escape' && (e.preventDefault(), close())}
      onCancel={(e) => (e.preventDefault(), close())}
    >
      <button type="button" class="close" ref={step == 'thanks' ? next : undefined} aria-label={strings.close} onClick={close}>
        ×
      </button>
      {step == 'score' && (
        <>
          <p id={id}>{text(survey.question, tag) ?? question}</p>
          <Scale min={min} max={max} value={score} onChange={setScore} labelledBy={id} low={low} high={high} dir={dir} />
          <button type="button" class="primary" disabled={score == null} onClick={() => (followUp ? setStep('comment') : answer())}>
            {followUp ? strings.next : strings.submit}
          </button>
        </>
      )}
      {step == 'comment' && (
        <>
          <label for={`${id}c`}>{followUp}</label>
          <textarea id={`${id}c`} value={comment} maxLength={2000} onInput={(e) => setComment(e.currentTarget.value)} ref={next} />
          <button type="button" class="primary" onClick={answer}>
            {strings.submit}
          </button>
        </>
      )}
      <div role="status" class={step == 'thanks' ? undefined : 'sr'}>
        {step == 'thanks' && <p>{text(survey.thankYou, tag) ?? strings.thanks}</p>}
      </div>
    </Root>
  )
}

/** The follow-up question for a band, if the survey asks one there. */
function followUpOf(survey: SurveyConfig, band: ReturnType<typeof bandOf>, defaults: Record<string, string>, tag: string): string | undefined {
  const f = survey.followUp
  if (f == null) return undefined
  if (f === true) return defaults[band]
  if (typeof f == 'string') return f
  // per band, or per locale: a per-band object has band keys
  return Object.keys(f).some((k) => k in defaults) ? text((f as Record<string, string>)[band], tag) : text(f as Record<string, string>, tag)
}
