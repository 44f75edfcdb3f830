import { expect, test } from 'vitest'
import { decode, encode, type Entry } from '../../sdk/log'

const entry = (n: number, context: string): Entry => ({ id: `id-${n}`, json: `{"type":"track","messageId":"id-${n}","properties":{"n":${n}}}`, context })

test('writes a context once for the messages that share it, and reads every message back with its own', () => {
  const a = '{"sessionId":"s1","page":{"path":"/a"}}'
  const b = '{"sessionId":"s1","page":{"path":"/b"}}'
  const entries = [entry(1, a), entry(2, a), entry(3, b), entry(4, a)]
  const value = encode(entries)
  expect(value.split('\n')).toHaveLength(7) // 4 messages, 3 contexts
  expect(decode(value)).toEqual(entries)
})

test('stores a message id once, inside its message, and reads it from there', () => {
  const e = { id: '0193a2b4-0000-7000-8000-000000000001', json: '{"type":"track","messageId":"0193a2b4-0000-7000-8000-000000000001","properties":{"messageId":"not this one"}}', context: '{"page":{"title":"\\"messageId\\":\\"nor this\\""}}' }
  expect(encode([e]).split(e.id)).toHaveLength(2)
  expect(decode(encode([e]))).toEqual([e])
})

test('reads a record of 0.1.x: id<TAB>json lines, and contexts on lines of their own', () => {
  const [one, two] = [entry(1, '{"sessionId":"s0"}'), entry(2, '{"sessionId":"s0"}')]
  expect(decode(`{"sessionId":"s0"}\nid-1\t${one.json}\nid-2\t${two.json}`)).toEqual([one, two])
})

test('reads a record of an earlier version still: messages that carry their own context', () => {
  const [one, two] = [entry(1, ''), entry(2, '')].map((e) => ({ ...e, json: e.json.replace('}}', '},"context":{"sessionId":"s0"}}') }))
  expect(decode(`id-1\t${one!.json}\nid-2\t${two!.json}`)).toEqual([one, two])
})

test('skips values it cannot read (another version, or a damaged store)', () => {
  expect(decode(42)).toEqual([])
  expect(decode(undefined)).toEqual([])
  expect(decode('{}\n{"type":"track"}')).toEqual([])
})
