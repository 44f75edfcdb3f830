// Every unit test starts from an empty browser: a fresh IndexedDB and localStorage.
import { IDBFactory } from 'fake-indexeddb'
import 'fake-indexeddb/auto'
import { afterEach, beforeEach } from 'vitest'

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory()
  localStorage.clear()
})

afterEach(() => {
  localStorage.clear()
})
