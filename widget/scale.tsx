// The one rating scale of all three kinds: a radiogroup named by the question,
// with a roving tabindex (APG radio group), except that arrow keys only move
// focus and Space or Enter selects: a score changes nothing until chosen, and
// choosing never submits (WCAG 3.2.2).
import { useRef, useState } from 'preact/hooks'

interface Props {
  min: number
  max: number
  value: number | undefined
  onChange(score: number): void
  /** The id of the question that names the group. */
  labelledBy: string
  low: string
  high: string
  dir: 'ltr' | 'rtl'
}

export function Scale({ min, max, value, onChange, labelledBy, low, high, dir }: Props) {
  const buttons = useRef<(HTMLButtonElement | null)[]>([])
  const [active, setActive] = useState(value ?? min)
  const scores = Array.from({ length: max - min + 1 }, (_, i) => min + i)
  // In right-to-left text the scale reads right to left, so ArrowRight goes back.
  const forward = dir == 'rtl' ? 'ArrowLeft' : 'ArrowRight'

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return // Alt+Left is the browser's Back
    const step = e.key == forward || e.key == 'ArrowDown' ? 1 : e.key == 'ArrowUp' || e.key.startsWith('Arrow') ? -1 : 0
    const next = e.key == 'Home' ? min : e.key == 'End' ? max : step ? ((active - min + step + scores.length) % scores.length) + min : undefined
    if (next == null) return
    e.preventDefault()
    setActive(next)
    buttons.current[next - min]?.focus()
  }

  return (
    <div class="scale-box">
      <div
        class="scale"
        role="radiogroup"
        aria-labelledby={labelledBy}
        data-n={scores.length}
        style={{ '--n': scores.length }}
        onKeyDown={onKeyDown}
        // Leaving the group, the tab stop goes back to the chosen score, as in the APG radio group.
        onFocusOut={(e) => value != null && !e.currentTarget.contains(e.relatedTarget as Node | null) && setActive(value)}
      >
        {scores.map((score, i) => (
          <button
            key={score}
            type="button"
            role="radio"
            ref={(el) => void (buttons.current[i] = el)}
            aria-checked={value == score}
            aria-label={score == min ? `${score}: ${low}` : score == max ? `${score}: ${high}` : undefined}
            tabIndex={score == active ? 0 : -1}
            onClick={() => (setActive(score), onChange(score))}
            onFocus={() => setActive(score)}
          >
            {score}
          </button>
        ))}
      </div>
      <div class="ends" aria-hidden="true">
        <span>{low}</span>
        <span>{high}</span>
      </div>
    </div>
  )
}
