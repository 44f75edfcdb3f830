import { expect, test } from 'vitest'
import { decode, encode, type Entry } from '../../sdk/log'

const entry = (n: number, context: string): Entry => ({ id: `id-${n}`, json: `{"n":${n}}`, context })

test('writes a context once for the messages that share it, and reads every message back with its own', () => {
  const a = '{"sessionId":"s1","page":{"path":"/a"}}'
  const b = '{"sessionId":"s1","page":{"path":"/b"}}'
  const entries = [entry(1, a), entry(2, a), entry(3, b), entry(4, a)]
  const value = encode(entries)
  expect(value.split('\n')).toHaveLength(7) // 4 messages, 3 contexts
  expect(decode(value)).toEqual(entries)
})

test('reads a record of an earlier version: messages that carry their own context', () => {
  const value = 'id-1\t{"n":1,"context":{"sessionId":"s0"}}\nid-2\t{"n":2,"context":{"sessionId":"s0"}}'
  expect(decode(value)).toEqual([
    { id: 'id-1', json: '{"n":1,"context":{"sessionId":"s0"}}', context: '' },
    { id: 'id-2', json: '{"n":2,"context":{"sessionId":"s0"}}', context: '' },
  ])
  expect(encode(decode(value))).toBe(value)
})

test('skips values it cannot read (another version, or a damaged store)', () => {
  expect(decode(42)).toEqual([])
  expect(decode(undefined)).toEqual([])
})
