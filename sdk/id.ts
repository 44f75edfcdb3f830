// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter
// (method 1 of section 6.2), so ids made in one page sort in the order they
// were made, even thousands within one millisecond. Sortable keys keep the
// IndexedDB queue in time order and make the collector's inserts cheaper.
//
// crypto.randomUUID needs a secure context; crypto.getRandomValues does not,
// so plain http on a LAN host works too.

const pool = new Uint32Array(64)
let poolAt = pool.length
let lastMs = -1
let counter = 0

function random32(): number {
  if (poolAt === pool.length) {
    if (typeof crypto != 'undefined' && crypto.getRandomValues) crypto.getRandomValues(pool)
    else for (let i = 0; i < pool.length; i++) pool[i] = (Math.random() * 0x100000000) >>> 0
    poolAt = 0
  }
  return pool[poolAt++]!
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')

export function uuidv7(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now
    counter = random32() & 0x7ff // start in the lower half: room to count up within the millisecond
  } else if (++counter > 0xfff) {
    lastMs++ // counter exhausted: borrow the next millisecond rather than lose the order
    counter = 0
  }
  const ms = hex(lastMs, 12)
  const a = random32()
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${hex(counter, 3)}-${hex(0x8000 | (a >>> 18), 4)}-${hex(a & 0xffff, 4)}${hex(random32(), 8)}`
}
