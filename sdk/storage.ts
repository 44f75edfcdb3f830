// Persistence behind two small interfaces, so tests pass memory stores and the
// SDK keeps working where the browser refuses storage (private modes, blocked
// third-party contexts, a full disk): every access is wrapped, none throws.
import { createStore, promisifyRequest } from 'idb-keyval'

/** Where the queue's records live (sdk/log.ts): string keys that sort by time, string values. */
export interface Store {
  setMany(items: [string, string][]): Promise<void>
  delMany(keys: string[]): Promise<void>
  /** Every key, in order. */
  keys(): Promise<string[]>
  /** The values of `keys`, in their order (undefined where one is gone). */
  getMany(keys: string[]): Promise<unknown[]>
}

/** Small synchronous key-value state: identity, session, leases. */
export interface Local {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
}

/**
 * The IndexedDB store of DESIGN.md, on idb-keyval's createStore. Its own setMany and
 * friends would pull in its default store and a cursor fallback for browsers without
 * getAllKeys; these lines are what the queue needs. Each rejects where IndexedDB is
 * missing or blocked (async: the database opens on first use, and that can throw).
 */
export function idbStore(): Store {
  const store = createStore('northstar', 'queue')
  const write = (change: (s: IDBObjectStore) => void) => store('readwrite', (s) => (change(s), promisifyRequest(s.transaction)))
  return {
    setMany: async (items) => write((s) => items.forEach(([key, value]) => s.put(value, key))),
    delMany: async (keys) => write((s) => keys.forEach((key) => s.delete(key))),
    keys: async () => store('readonly', (s) => promisifyRequest(s.getAllKeys() as IDBRequest<string[]>)),
    getMany: async (keys) => store('readonly', (s) => Promise.all(keys.map((key) => promisifyRequest(s.get(key))))),
  }
}

export function memoryStore(map = new Map<string, string>()): Store {
  return {
    setMany: async (items) => void items.forEach(([k, v]) => map.set(k, v)),
    delMany: async (keys) => void keys.forEach((k) => map.delete(k)),
    keys: async () => [...map.keys()].sort(),
    getMany: async (keys) => keys.map((key) => map.get(key)),
  }
}

/** The JSON value stored under `key`, or null when there is none or it does not parse (another script wrote it). */
export function readJson<T>(local: Local, key: string): T | null {
  try {
    return JSON.parse(local.get(key)!) as T | null
  } catch {
    return null
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
