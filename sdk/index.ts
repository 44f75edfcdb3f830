// The public API of `northstar` (ESM and types). The script-tag build adds the snippet replay (browser.ts).
export { init, track, identify, group, page, step, feature, flush, reset, optOut, optIn, showSurvey } from './api'
export { createClient, type Client } from './track'
export type { Options } from './config'
export type { FlushResult } from './queue'
export type { Store } from './storage'
export type { SurveyOptions } from './surveys'
export type * from '../widget/types'
export type * from './wire'
