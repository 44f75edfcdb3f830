// The keys of firsts (db/ingest.ts firstKeys) that steps, features and the value event are known by.
import type { Project } from '../config'

/** What completes a step or uses a feature: its `$step`/`$feature` id, or the event it names. */
export const keysOf = (kind: 's' | 'f', item: { id: string; event?: string | undefined }) => [`${kind}:${item.id}`, ...(item.event ? [`e:${item.event}`] : [])]

/** The keys of the value event: an onboarding step's keys when it names one, else the event. */
export function valueKeys(project: Project): string[] | null {
  const value = project.activation?.valueEvent
  if (value == null) return null
  const step = project.onboarding.steps.find((s) => s.id == value)
  return step ? keysOf('s', step) : [`e:${value}`]
}
