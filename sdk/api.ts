// The page's one client, behind plain functions. Calls made before init() wait
// in order and run once it has been called: nothing is sent before init.
import type { Options } from './config'
import { createClient, type Client } from './track'

type Verb = Exclude<keyof Client, 'shutdown'>
let client: Client | undefined
const early: [Verb, unknown[]][] = []

export function init(options: Options): Client {
  if (client) return client // a second snippet or a hot reload: keep the first client and its queue
  client = createClient(options)
  for (const [verb, args] of early.splice(0)) (client[verb] as (...a: unknown[]) => unknown)(...args)
  return client
}

const verb =
  <K extends Verb>(name: K) =>
  (...args: Parameters<Client[K]>): ReturnType<Client[K]> =>
    client
      ? (client[name] as (...a: typeof args) => ReturnType<Client[K]>)(...args)
      : ((early.push([name, args]), name == 'flush' ? Promise.resolve({ error: 'not initialized' }) : undefined) as ReturnType<Client[K]>)

export const track = verb('track')
export const identify = verb('identify')
export const group = verb('group')
export const page = verb('page')
export const step = verb('step')
export const feature = verb('feature')
export const flush = verb('flush')
export const reset = verb('reset')
export const optOut = verb('optOut')
export const optIn = verb('optIn')
export const showSurvey = verb('showSurvey')
