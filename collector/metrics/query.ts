// What every metric is asked: the project, the window [from, to), the segments
// (ANDed), the zone for days and weeks, and the query time.
import type { Db } from '../db/index'
import type { Project } from '../config'

export interface Query {
  project: Project
  from: number
  to: number
  segments: { trait: string; value: string }[]
  /** `within=<days>` where METRICS.md defines it, in ms. */
  within?: number
  /** An IANA zone; days and weeks are UTC unless it says otherwise. */
  tz: string
  /** The query time: "at any time" means up to it. */
  now: number
  /** How many subjects a list returns (health), the worst first. */
  limit?: number
}

export type Metric<T> = (db: Db, query: Query) => Promise<T>

/** A metric that needs a config key the project lacks; known by its name, also once it crossed from a thread (db/thread.ts). */
export class NotConfigured extends Error {
  override name = 'NotConfigured'
}
