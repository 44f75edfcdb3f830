// The queue's durable side: messages appended to the store a record at a time
// (up to RECORD messages each, keyed by the first one's UUIDv7, so records sort
// by time), and a record deleted once all its messages are done. One IndexedDB
// request per record rather than per message: in Chromium a request costs
// about as much as everything else track() does, so per-message keys put the
// SDK at ~150 µs per event (bench/sdk.mjs). A write still never re-clones the queue.
import type { Store } from './storage'

export type Item = [id: string, json: string]

export const RECORD = 100

const encode = (items: Item[]) => items.map(([id, json]) => `${id}\t${json}`).join('\n')
function decode(value: unknown): Item[] {
  if (typeof value != 'string') return []
  return value.split('\n').map((line): Item => {
    const tab = line.indexOf('\t')
    return [line.slice(0, tab), line.slice(tab + 1)]
  })
}

export function createLog(store: Store) {
  /** Each known record's message ids, and each id's record. */
  const records = new Map<string, string[]>()
  const owner = new Map<string, string>()
  /** Ids being appended: their record is not known yet. */
  const writing = new Set<string>()
  /** Messages delivered or dropped whose record still holds others. */
  const done = new Set<string>()

  function index(key: string, items: Item[]) {
    records.set(key, items.map(([id]) => (owner.set(id, key), id)))
  }

  /** Deletes the records whose every message is done. */
  function prune() {
    const gone: string[] = []
    for (const [key, ids] of records)
      if (ids.every((id) => done.has(id))) {
        gone.push(key)
        records.delete(key)
        for (const id of ids) done.delete(id) && owner.delete(id)
      }
    return gone.length ? store.delMany(gone) : Promise.resolve()
  }

  return {
    /** Stores messages; rejects if the store refuses (quota, blocked). */
    async append(items: Item[]) {
      const chunks: [string, string][] = []
      for (let i = 0; i < items.length; i += RECORD) chunks.push([items[i]![0], encode(items.slice(i, i + RECORD))])
      for (const [id] of items) writing.add(id)
      try {
        await store.setMany(chunks)
        for (let i = 0; i < items.length; i += RECORD) index(items[i]![0], items.slice(i, i + RECORD))
      } finally {
        for (const [id] of items) writing.delete(id)
      }
      await prune()
    },
    /** Every stored message, of every tab, in time order, less those this page knows are done. */
    async read(): Promise<Item[]> {
      const items: Item[] = []
      for (const [key, value] of await store.entries()) {
        const decoded = decode(value)
        index(key, decoded)
        for (const item of decoded) if (!done.has(item[0])) items.push(item)
      }
      return items
    },
    /** Marks messages done (delivered, rejected or dropped). */
    forget(ids: string[]) {
      for (const id of ids) if (owner.has(id) || writing.has(id)) done.add(id) // never stored: nothing to delete
      return prune().catch(() => {})
    },
    clear() {
      records.clear()
      owner.clear()
      done.clear()
      return store.clear()
    },
  }
}
