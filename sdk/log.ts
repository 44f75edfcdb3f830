// The stored form of the queue: messages go to the store a record at a time
// (up to RECORD each, keyed by the project and a UUIDv7 of their own, so a
// project's records sort by time). One IndexedDB request per record rather
// than per message: in Chromium each request costs the main thread about as
// much as everything else track() does (per-message keys put the SDK at ~150 µs
// per event, bench/sdk.mjs; records of 100 at ~15 µs, of 1,000 at ~12 µs). A
// write never re-clones the queue, and a record is deleted once all its
// messages are done (queue.ts).

/** A message waiting to be sent. */
export interface Entry {
  id: string
  /** The message as JSON, without its context. */
  json: string
  /** Its context as JSON ('' when `json` carries its own): shared by its neighbours, sent once per batch. */
  context: string
  /** The UTF-8 bytes of `json`, once known. */
  size?: number
  /** The stored record that holds it, once its write has landed. */
  record?: Record
  /** Delivered, rejected for good, or dropped. */
  done?: boolean
  /** In a keepalive request that has not answered yet. */
  keepalive?: boolean
  /** Read from a record of an earlier page or another tab. */
  joined?: boolean
}

/** A stored record as this page knows it: how many of its messages are not done yet. */
export interface Record {
  key: string
  left: number
}

export const RECORD = 1000

/**
 * One message a line, its JSON: the id is read back from it rather than stored twice (a sixth of
 * a record's bytes). A line without a message id is a context: it applies to the lines after it.
 * JSON escapes newlines, so none appears inside a line, and quotes, so no context has a message id.
 */
export function encode(entries: Entry[]): string {
  let context = ''
  return entries.map((e) => (e.context != context ? `${(context = e.context)}\n${e.json}` : e.json)).join('\n')
}

/**
 * The messages of a stored record, in order; none for a value this SDK did not write.
 * Records of 0.1.x have `id<TAB>json` lines: the JSON is after the tab.
 */
export function decode(value: unknown): Entry[] {
  const entries: Entry[] = []
  let context = ''
  if (typeof value == 'string')
    for (const line of value.split('\n')) {
      const id = /"messageId":"([^"]+)"/.exec(line)?.[1]
      if (id) entries.push({ id, json: line.slice(line.indexOf('\t') + 1), context })
      else context = line
    }
  return entries
}
