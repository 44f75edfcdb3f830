// Days and weeks in an IANA time zone, with nothing but Intl: the UTC instant
// at which each local day or ISO week starts. DST days last 23 or 25 hours.

export const DAY = 86_400_000

const formats = new Map<string, Intl.DateTimeFormat>()

/** Throws a RangeError naming the zone when Intl does not know it. */
export function checkZone(tz: string) {
  formatter(tz)
}

function formatter(tz: string) {
  let format = formats.get(tz)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    formats.set(tz, format)
  }
  return format
}

/** Date.UTC, but the years 0 to 99 are those years: Date.UTC reads them as 1900 to 1999. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0)
  date.setUTCFullYear(year, month, day)
  return date.setUTCHours(hour, minute, second, ms)
}

/** The zone's offset from UTC at instant t, in ms. */
function offset(t: number, tz: string): number {
  if (tz == 'UTC') return 0
  const parts: Record<string, number> = {}
  for (const p of formatter(tz).formatToParts(t)) if (p.type != 'literal') parts[p.type] = Number(p.value)
  const local = utc(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!)
  return local - (t - (((t % 1000) + 1000) % 1000))
}

/** The local calendar date (as a UTC-midnight number) at instant t. */
const dateOf = (t: number, tz: string) => Math.floor((t + offset(t, tz)) / DAY) * DAY

/** The local date at instant t, as YYYY-MM-DD. */
export const localDate = (t: number, tz: string) => new Date(dateOf(t, tz)).toISOString().slice(0, 10)

/** The instant local midnight of the date (UTC-midnight number) happens; where midnight is skipped by DST, the first instant of that date. */
function midnight(date: number, tz: string): number {
  let t = date - offset(date, tz)
  t = date - offset(t, tz)
  // a DST jump at midnight (e.g. America/Santiago): the day starts when the clock reaches it
  while (dateOf(t, tz) < date) t += 15 * 60_000
  while (dateOf(t - 1, tz) >= date) t -= 15 * 60_000
  return t
}

export const startOfDay = (t: number, tz: string) => midnight(dateOf(t, tz), tz)

/** When a local date (YYYY-MM-DD) begins in the zone. */
export const startOfDate = (date: string, tz: string) => midnight(Date.parse(`${date}T00:00:00Z`), tz)

/** ISO weeks start on Monday 00:00 local time. */
export function startOfWeek(t: number, tz: string) {
  const date = dateOf(t, tz)
  const weekday = (new Date(date).getUTCDay() + 6) % 7 // Monday 0
  return midnight(date - weekday * DAY, tz)
}

export const nextDay = (start: number, tz: string) => midnight(dateOf(start, tz) + DAY, tz)
export const nextWeek = (start: number, tz: string) => midnight(dateOf(start, tz) + 7 * DAY, tz)

/** The local days that intersect [from, to), each clipped to it. */
export function days(from: number, to: number, tz: string): [number, number][] {
  const out: [number, number][] = []
  for (let start = startOfDay(from, tz); start < to; start = nextDay(start, tz)) out.push([Math.max(start, from), Math.min(nextDay(start, tz), to)])
  return out
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

/** An ISO 8601 date or date-time as UTC ms: without an offset it is UTC, a date alone is 00:00 UTC. Else null. */
export function parseIsoTime(value: unknown): number | null {
  if (typeof value != 'string') return null
  const m = ISO.exec(value.trim())
  if (!m) return null
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m
  const month = Number(mo) - 1
  const t = utc(Number(y), month, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)))
  const date = new Date(t)
  // the date rolls 2026-02-30 over to March: such a date is not a date
  if (date.getUTCMonth() != month || date.getUTCDate() != Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null
  if (zone.toUpperCase() == 'Z') return t
  const [, sign, oh, om = '0'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!
  if (Number(oh) > 23 || Number(om) > 59) return null
  return t - (sign == '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
}
