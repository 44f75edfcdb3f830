// CSV (RFC 4180) of metric data, safe to open in a spreadsheet: text that
// begins with = + - @ (or a tab or carriage return) is prefixed with ' so that
// it is never run as a formula (OWASP, "CSV injection"). Numbers stay numbers.

const FORMULA = /^[=+\-@\t\r]/

export function cell(value: unknown): string {
  if (value == null) return ''
  let text = typeof value == 'string' ? value : typeof value == 'object' ? JSON.stringify(value) : String(value)
  if (typeof value == 'string' && FORMULA.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Nested objects and arrays as dotted columns: `bands.good`, `retention.3`. */
export function flatten(value: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key
    if (v != null && typeof v == 'object') flatten(v as Record<string, unknown>, name, out)
    else out[name] = v
  }
  return out
}

/** Rows as CSV with a header of every column any row has, in first-seen order. */
export function toCsv(rows: Record<string, unknown>[]): string {
  const flat = rows.map((r) => flatten(r))
  const columns = [...new Set(flat.flatMap((r) => Object.keys(r)))]
  return [columns.map(cell).join(','), ...flat.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n'
}

/**
 * A metric's answer as rows: one per item of its list (the list's scalars
 * repeated on each), or one row when it has no list.
 */
export function rowsOf(data: Record<string, unknown>): Record<string, unknown>[] {
  const listKey = Object.keys(data).find((k) => Array.isArray(data[k]) && (data[k] as unknown[]).every((x) => x != null && typeof x == 'object'))
  if (!listKey) return [data]
  const { [listKey]: list, ...rest } = data
  const items = list as Record<string, unknown>[]
  return items.length ? items.map((item) => ({ ...item, ...rest })) : [rest]
}
