// Persistence behind two small interfaces, so tests pass memory stores and the
// SDK keeps working where the browser refuses storage (private modes, blocked
// third-party contexts, a full disk): every access is wrapped, none throws.
import { clear, createStore, delMany, entries, setMany } from 'idb-keyval'

/** The durable queue: one key per message (its UUIDv7 id, so keys sort by time), JSON values. */
export interface Store {
  setMany(items: [string, string][]): Promise<void>
  delMany(keys: string[]): Promise<void>
  entries(): Promise<[string, string][]>
  clear(): Promise<void>
}

/** Small synchronous key-value state: identity, session, leases. */
export interface Local {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
}

/** The IndexedDB store of DESIGN.md. Rejects on every call where IndexedDB is missing or blocked. */
export function idbStore(): Store {
  let store: ReturnType<typeof createStore>
  try {
    store = createStore('northstar', 'queue')
  } catch (error) {
    // indexedDB is undefined, or open() threw (Firefox's private mode once did)
    const fail = () => Promise.reject(error)
    return { setMany: fail, delMany: fail, entries: fail, clear: fail }
  }
  // async: idb-keyval opens the database lazily and can throw synchronously on first use
  return {
    setMany: async (items) => setMany(items, store),
    delMany: async (keys) => delMany(keys, store),
    entries: async () => entries<string, string>(store),
    clear: async () => clear(store),
  }
}

export function memoryStore(map = new Map<string, string>()): Store {
  return {
    setMany: async (items) => void items.forEach(([k, v]) => map.set(k, v)),
    delMany: async (keys) => void keys.forEach((k) => map.delete(k)),
    entries: async () => [...map].sort(([a], [b]) => (a < b ? -1 : 1)),
    clear: async () => map.clear(),
  }
}

/** localStorage where it works, a Map where it does not (blocked, full or missing). */
export function localStore(): Local {
  const fallback = new Map<string, string>()
  let storage: Storage | undefined
  try {
    storage = localStorage
  } catch {
    // SecurityError: storage is blocked for this document
  }
  return {
    get(key) {
      if (fallback.has(key)) return fallback.get(key)!
      try {
        return storage ? storage.getItem(key) : null
      } catch {
        return null
      }
    },
    set(key, value) {
      try {
        storage!.setItem(key, value)
        fallback.delete(key)
      } catch {
        fallback.set(key, value)
      }
    },
    remove(key) {
      fallback.delete(key)
      try {
        storage?.removeItem(key)
      } catch {
        // nothing to remove where nothing could be stored
      }
    },
  }
}
