import { expect, test } from 'vitest'
import { createLog, RECORD, type Item } from '../../sdk/log'
import { memoryStore } from '../../sdk/storage'

const items = (n: number, from = 0): Item[] => Array.from({ length: n }, (_, i) => [`id-${String(from + i).padStart(5, '0')}`, `{"n":${from + i}}`])

test(`stores up to ${RECORD} messages a record, keyed by the first, and reads them back in order`, async () => {
  const map = new Map<string, string>()
  const log = createLog(memoryStore(map))
  await log.append(items(250))
  expect([...map.keys()]).toEqual(['id-00000', 'id-00100', 'id-00200'])
  expect(await createLog(memoryStore(map)).read()).toEqual(items(250)) // another page, or tab, reads them all
})

test('deletes a record only once every message in it is done', async () => {
  const map = new Map<string, string>()
  const log = createLog(memoryStore(map))
  await log.append(items(150))
  await log.forget(items(120).map(([id]) => id))
  expect([...map.keys()]).toEqual(['id-00100']) // the first record went; the second still holds 30 waiting
  expect((await log.read()).map(([id]) => id)).toEqual(items(30, 120).map(([id]) => id))
  await log.forget(items(30, 120).map(([id]) => id))
  expect(map.size).toBe(0)
})

test('a message forgotten while its write is under way is deleted once the write lands', async () => {
  const map = new Map<string, string>()
  const log = createLog(memoryStore(map))
  const writing = log.append(items(3))
  await log.forget(items(3).map(([id]) => id))
  await writing
  expect(map.size).toBe(0)
})

test('skips values it cannot read (another version, or a damaged store)', async () => {
  const map = new Map<string, string>([['x', 42 as unknown as string]])
  expect(await createLog(memoryStore(map)).read()).toEqual([])
})
