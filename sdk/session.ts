// A session ends after 30 minutes without an event or 24 hours after it began,
// and is shared by every tab of the site through localStorage.
import { uuidv7 } from './id'
import { readJson, type Local } from './storage'

export const IDLE = 30 * 60_000
export const MAX_LENGTH = 24 * 60 * 60_000
const KEY = 'northstar:session'
const COUNT = 'northstar:sessions'

interface Session {
  id: string
  start: number
  last: number
}

export function createSession(local: Local, now: () => number) {
  let cached: Session | undefined

  const live = (s: Session | undefined, t: number): s is Session => !!s && t - s.last < IDLE && t - s.start < MAX_LENGTH
  const read = () => readJson<Session>(local, KEY) ?? undefined
  const save = (s: Session) => local.set(KEY, JSON.stringify((cached = s)))

  return {
    /** The current session's id, extended by this activity or started anew. */
    touch(t = now()): string {
      if (!live(cached, t)) cached = read() // another tab may have kept it alive
      if (!live(cached, t)) {
        save({ id: uuidv7(t), start: t, last: t })
        // how many sessions this browser has had, for survey targeting
        local.set(COUNT, String(+local.get(COUNT)! + 1))
      }
      // Writing on every event costs more than it tells: a second is plenty against a 30-minute timeout.
      else if (t - cached.last >= 1000) save({ ...cached, last: t })
      return cached!.id
    },
    /** Another tab changed the session (or reset it): read it again. */
    reload() {
      cached = undefined
    },
    reset() {
      cached = undefined
      local.remove(KEY)
    },
  }
}
