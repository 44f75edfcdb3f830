// northstar.config.json: the projects one collector serves. Written by hand and
// checked into the user's repo, so its shape is a contract (DESIGN.md) and every
// mistake is reported with the file, the path and the fix.
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { BANDS, Id, SurveySchema } from './surveys'

/** A key, or `env:NAME` to read it from the environment. */
const Secret = z.string().min(1, 'must not be empty')

const Origin = z.string().refine(
  (s) => {
    try {
      return new URL(s).origin == s
    } catch {
      return false
    }
  },
  { message: 'must be an exact origin, scheme://host[:port] with no path or trailing slash, e.g. "https://app.example.com"' },
)

const Named = z.strictObject({ id: Id, name: z.string().min(1), event: z.string().min(1).optional() })

export const alertCauses = ['detractor', 'low_csat', 'at_risk', 'usage_drop'] as const

const Project = z.strictObject({
  id: Id,
  name: z.string().min(1),
  writeKey: Secret,
  readKey: Secret,
  previousWriteKeys: z.array(Secret).default([]),
  allowedOrigins: z.array(Origin).default([]),
  activation: z.strictObject({ valueEvent: z.string().min(1) }).optional(),
  onboarding: z.strictObject({ steps: z.array(Named) }).default({ steps: [] }),
  features: z.array(Named).default([]),
  // a survey's wording, targeting and display options are the widget's to define (widget/types.ts)
  surveys: z.array(SurveySchema).default([]),
  webhooks: z.array(z.strictObject({ url: z.url({ protocol: /^https?$/ }), on: z.array(z.enum(alertCauses)).min(1) })).default([]),
  health: z
    .strictObject({
      weights: z.strictObject({
        usage: z.number().min(0),
        engagement: z.number().min(0),
        support: z.number().min(0),
        payments: z.number().min(0),
      }),
    })
    .default({ weights: { usage: 40, engagement: 30, support: 20, payments: 10 } }),
  /** Raw events older than this many days are deleted; per-person state stays. */
  retentionDays: z.number().int().positive().optional(),
})

const unique = <T>(items: T[], key: (item: T) => string, ctx: z.RefinementCtx, path: (i: number) => PropertyKey[], what: string) => {
  const seen = new Map<string, number>()
  items.forEach((item, i) => {
    const k = key(item)
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: path(i), message: `${what} "${k}" is already used at index ${seen.get(k)}: each must be unique` })
    else seen.set(k, i)
  })
}

export const ConfigSchema = z
  .strictObject({ $schema: z.string().optional(), projects: z.array(Project).min(1, 'must list at least one project') })
  .superRefine((config, ctx) => {
    unique(config.projects, (p) => p.id, ctx, (i) => ['projects', i, 'id'], 'project id')
    config.projects.forEach((p, i) => {
      unique(p.onboarding.steps, (s) => s.id, ctx, (s) => ['projects', i, 'onboarding', 'steps', s, 'id'], 'step id')
      unique(p.features, (f) => f.id, ctx, (f) => ['projects', i, 'features', f, 'id'], 'feature id')
      unique(p.surveys, (s) => s.id, ctx, (s) => ['projects', i, 'surveys', s, 'id'], 'survey id')
      p.surveys.forEach((s, j) => {
        const at = (...path: PropertyKey[]) => ['projects', i, 'surveys', j, ...path]
        if (s.targeting?.activation && !p.activation)
          ctx.addIssue({ code: 'custom', path: at('targeting', 'activation'), message: 'needs the project\'s "activation": { "valueEvent": "…" }: add it, or target an "event"' })
        const step = s.targeting?.step
        if (step && !p.onboarding.steps.some((x) => x.id == step))
          ctx.addIssue({ code: 'custom', path: at('targeting', 'step'), message: `names no step of onboarding.steps: use one of their ids (${p.onboarding.steps.map((x) => `"${x.id}"`).join(', ') || 'none yet'})` })
        const bands: readonly string[] = BANDS[s.type]
        if (s.followUp && typeof s.followUp == 'object')
          for (const band of Object.keys(s.followUp))
            if (Object.values(BANDS).some((all: readonly string[]) => all.includes(band)) && !bands.includes(band))
              ctx.addIssue({ code: 'custom', path: at('followUp', band), message: `is not a band of a ${s.type.toUpperCase()} survey: use ${bands.map((b) => `"${b}"`).join(', ')}` })
      })
    })
  })

export type Config = z.infer<typeof ConfigSchema>
export type Project = Config['projects'][number]

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const path = (p: PropertyKey[]) => p.reduce<string>((s, k) => (typeof k == 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') || '(top level)'

const an = (type: string) => ({ boolean: 'true or false', array: 'a list ([...])', object: 'an object ({...})' })[type] ?? `a ${type}`
const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value == 'object' ? 'an object' : JSON.stringify(value))

/** What is wrong, in the words of the file: zod's own wording ("Invalid input: expected string, received undefined") said plainly. */
function explain(issue: z.core.$ZodIssue): string {
  const input = 'input' in issue ? issue.input : undefined
  if (issue.code == 'invalid_type') return input === undefined ? `is missing: add it (${an(issue.expected)})` : `must be ${an(issue.expected)}, not ${kind(input)}: fix its value`
  if (issue.code == 'invalid_value' && issue.message.startsWith('Invalid option'))
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, not ${kind(input)}`
  return issue.message
}

function hint(issue: z.core.$ZodIssue, known: string[]): string {
  if (issue.code != 'unrecognized_keys') return ''
  const close = issue.keys.map((k) => known.find((n) => n.toLowerCase() == k.toLowerCase())).filter(Boolean)
  return close.length ? ` (did you mean ${close.map((k) => `"${k}"`).join(', ')}?)` : ' (remove it: the config file accepts only the keys in DESIGN.md)'
}

/**
 * Replaces `env:NAME` keys by the variable's value, then checks that no two keys are the same, as
 * written or as read from the environment: a key is how a request finds its project.
 */
function resolveSecrets(config: Config, env: NodeJS.ProcessEnv, file: string): Config {
  const problems: string[] = []
  /** Each key's first place, and where it came from. */
  const seen = new Map<string, string>()
  const resolve = (value: string, where: string) => {
    const name = value.startsWith('env:') ? value.slice(4) : undefined
    const resolved = name == null ? value : env[name]
    if (!resolved) problems.push(`${file}: ${where}: the environment variable ${name} is not set: export it, or write the key itself`)
    else if (seen.has(resolved))
      problems.push(`${file}: ${where}${name ? ` (${value})` : ''}: is the same key as ${seen.get(resolved)}: give each key of each project a value of its own (\`northstar init\` makes fresh ones)`)
    else seen.set(resolved, `${where}${name ? ` (${value})` : ''}`)
    return resolved ?? ''
  }
  const projects = config.projects.map((p, i) => ({
    ...p,
    writeKey: resolve(p.writeKey, `projects[${i}].writeKey`),
    readKey: resolve(p.readKey, `projects[${i}].readKey`),
    previousWriteKeys: p.previousWriteKeys.map((k, j) => resolve(k, `projects[${i}].previousWriteKeys[${j}]`)),
  }))
  if (problems.length) throw new ConfigError(problems.join('\n'))
  return { ...config, projects }
}

/** Parses and checks a config; throws a ConfigError listing every problem as "file: path: what is wrong (fix)". */
export function parseConfig(json: unknown, file = 'northstar.config.json', env: NodeJS.ProcessEnv = process.env): Config {
  const result = ConfigSchema.safeParse(json, { reportInput: true })
  if (!result.success) {
    const known = [...Object.keys(Project.shape), 'projects', 'steps', 'valueEvent', 'weights', 'url', 'on', 'id', 'name', 'event', 'type', 'question', 'followUp', 'thankYou', 'active', 'targeting', 'display', 'step', 'activation', 'sessions', 'daysSinceSignup', 'traits', 'accountTraits', 'sample', 'delaySeconds', 'recontactDays', 'exact', 'prefix', 'regex', 'position', 'target', 'theme']
    const lines = result.error.issues.map((issue) => `${file}: ${path(issue.path)}: ${explain(issue)}${hint(issue, known)}`)
    throw new ConfigError(lines.join('\n'))
  }
  return resolveSecrets(result.data, env, file)
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`${file}: cannot be read (${(error as Error).message}): run \`northstar init\` to write a starter file`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`${file}: is not valid JSON (${(error as Error).message}): fix the syntax (no comments or trailing commas in JSON)`)
  }
  return parseConfig(json, file, env)
}
