import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig, parseConfig } from '../../collector/config'

const project = (fields: Record<string, unknown> = {}) => ({ id: 'demo', name: 'Demo', writeKey: 'wk_1', readKey: 'rk_1', ...fields })
const problems = (json: unknown, env = {}) => {
  try {
    parseConfig(json, 'northstar.config.json', env)
  } catch (error) {
    return (error as Error).message.split('\n')
  }
  throw new Error('expected the config to be refused')
}

describe('northstar.config.json', () => {
  test('takes the shape of DESIGN.md, with defaults for what it leaves out', () => {
    const config = parseConfig({
      projects: [
        project({
          allowedOrigins: ['http://localhost:8787'],
          activation: { valueEvent: 'Report Shared' },
          onboarding: { steps: [{ id: 'create_project', name: 'Create a project' }, { id: 'connect', name: 'Connect', event: 'Integration Connected' }] },
          features: [{ id: 'api_access', name: 'API access', event: 'API Key Created' }],
          surveys: [{ id: 'nps-main', type: 'nps', question: '...', targeting: { activation: true } }],
          webhooks: [{ url: 'https://hooks.example/x', on: ['detractor'] }],
          health: { weights: { usage: 40, engagement: 30, support: 20, payments: 10 } },
        }),
      ],
    })
    expect(config.projects[0]!.surveys[0]).toMatchObject({ targeting: { activation: true } })
    const minimal = parseConfig({ projects: [project()] }).projects[0]!
    expect(minimal).toMatchObject({ previousWriteKeys: [], allowedOrigins: [], features: [], onboarding: { steps: [] }, health: { weights: { usage: 40 } } })
  })

  test("accepts the example app's config as it ships", () => {
    expect(loadConfig('examples/script-tag/northstar.config.json', {}).projects.map((p) => p.surveys.length)).toEqual([3])
  })

  test('names the file, the path and the fix for each mistake', () => {
    expect(problems({ projects: [project({ writeKey: undefined, retentionDays: '30', features: {}, allowedOrigins: ['http://localhost:8787/'] })] })).toEqual([
      'northstar.config.json: projects[0].writeKey: is missing: add it (a string)',
      'northstar.config.json: projects[0].allowedOrigins[0]: must be an exact origin, scheme://host[:port] with no path or trailing slash, e.g. "https://app.example.com"',
      'northstar.config.json: projects[0].features: must be a list ([...]), not an object: fix its value',
      'northstar.config.json: projects[0].retentionDays: must be a number, not "30": fix its value',
    ])
  })

  test('suggests the right spelling of a mistyped key', () => {
    expect(problems({ projects: [project({ writekey: 'wk_2' })] })).toEqual(['northstar.config.json: projects[0]: Unrecognized key: "writekey" (did you mean "writeKey"?)'])
  })

  test('refuses a key used twice, which would make writes ambiguous', () => {
    expect(problems({ projects: [project(), project({ id: 'b', writeKey: 'wk_2', readKey: 'wk_1', previousWriteKeys: ['wk_2'] })] })).toEqual([
      'northstar.config.json: projects[1].readKey: is the same key as projects[0].writeKey: give each key of each project a value of its own (`northstar init` makes fresh ones)',
      'northstar.config.json: projects[1].previousWriteKeys[0]: is the same key as projects[1].writeKey: give each key of each project a value of its own (`northstar init` makes fresh ones)',
    ])
  })

  test('refuses a key used twice when the environment gives it, without printing the secret', () => {
    const twice = { projects: [project({ writeKey: 'env:NS_A' }), project({ id: 'b', writeKey: 'env:NS_B', readKey: 'rk_2' })] }
    expect(() => parseConfig(twice, 'f.json', { NS_A: 'wk_same', NS_B: 'wk_same' })).toThrow(
      new ConfigError('f.json: projects[1].writeKey (env:NS_B): is the same key as projects[0].writeKey (env:NS_A): give each key of each project a value of its own (`northstar init` makes fresh ones)'),
    )
  })

  test('refuses duplicate step, feature and survey ids', () => {
    const steps = [{ id: 'a', name: 'A' }, { id: 'a', name: 'Again' }]
    expect(problems({ projects: [project({ onboarding: { steps } })] })).toEqual([
      'northstar.config.json: projects[0].onboarding.steps[1].id: step id "a" is already used at index 0: each must be unique',
    ])
  })

  test('reads env:NAME keys from the environment, and says which variable is missing', () => {
    const config = parseConfig({ projects: [project({ readKey: 'env:NS_READ' })] }, 'f.json', { NS_READ: 'rk_secret' })
    expect(config.projects[0]!.readKey).toBe('rk_secret')
    expect(problems({ projects: [project({ readKey: 'env:NS_READ' })] })).toEqual([
      'northstar.config.json: projects[0].readKey: the environment variable NS_READ is not set: export it, or write the key itself',
    ])
  })

  test('says when the file is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'northstar-config-'))
    expect(() => loadConfig(join(dir, 'nope.json'))).toThrow(/nope.json: cannot be read .*run `northstar init`/)
    writeFileSync(join(dir, 'bad.json'), '{ "projects": [], }')
    expect(() => loadConfig(join(dir, 'bad.json'))).toThrow(/bad.json: is not valid JSON .*no comments or trailing commas/)
  })
})
