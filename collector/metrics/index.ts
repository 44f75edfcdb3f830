// The metric families of METRICS.md, one function each, by route name.
import { features } from './features'
import { health } from './health'
import { onboarding } from './onboarding'
import { retention } from './retention'
import { satisfaction } from './satisfaction'
import { sessions } from './sessions'
import { surveys } from './surveys'
import { ttv } from './ttv'

export const metrics = { ttv, onboarding, satisfaction, features, sessions, retention, health, surveys }
export type MetricName = keyof typeof metrics
export type { Query } from './query'
