// The metric families of METRICS.md, one function each, by route name.
import type { Db } from '../db/index'
import { features } from './features'
import { health } from './health'
import { onboarding } from './onboarding'
import type { Query } from './query'
import { retention } from './retention'
import { responses, satisfaction } from './satisfaction'
import { sessions } from './sessions'
import { surveys } from './surveys'
import { ttv } from './ttv'

export const metrics = { ttv, onboarding, satisfaction, features, sessions, retention, health, surveys }
export type MetricName = keyof typeof metrics
export type { Query }

/** What the read API asks of the database: a metric, or the answers satisfaction counted (its CSV). */
export interface Read {
  name: MetricName | 'responses'
  query: Query
}
export const readMetric = (db: Db, { name, query }: Read): Promise<unknown> => (name == 'responses' ? responses(db, query) : metrics[name](db, query))
