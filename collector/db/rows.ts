// What the state writes share: statements of bounded size, and the order of writes.

const CHUNK = 500

/** Rows in statements of at most 500 (PostgreSQL allows 65,535 parameters per statement). */
export const chunks = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK))

/** Whether write a came after b (none yet: it did): later by event time, then by receipt (METRICS.md). */
export const later = (a: { time: number; seq: number }, b: { time: number; seq: number } | null | undefined) => !b || a.time > b.time || (a.time == b.time && a.seq > b.seq)
