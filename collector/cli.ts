// northstar start | init | keys [rotate <project> [--read]] | migrate
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { ConfigError, loadConfig } from './config'
import { openDb } from './db/index'
import { newKey, start } from './server'

const file = process.env.NORTHSTAR_CONFIG || './northstar.config.json'
const [command = 'start', ...args] = process.argv.slice(2)

const commands: Record<string, () => Promise<unknown> | unknown> = {
  start: () => start(),

  init() {
    if (existsSync(file)) throw new ConfigError(`${file} already exists: edit it, or run \`northstar keys rotate <project>\` for new keys`)
    const port = Number(process.env.PORT || 8787)
    const config = {
      projects: [
        {
          id: 'my-app',
          name: 'My App',
          writeKey: newKey('wk'),
          readKey: newKey('rk'),
          allowedOrigins: [`http://localhost:${port}`],
          activation: { valueEvent: 'Report Shared' },
          onboarding: { steps: [{ id: 'create_project', name: 'Create a project' }] },
          features: [{ id: 'export_csv', name: 'CSV export' }],
          // Asked once a person has had value from the app, not on their first page: then again after 90 days.
          surveys: [
            {
              id: 'nps-main',
              type: 'nps',
              question: 'How likely are you to recommend My App to a friend or colleague?',
              followUp: true,
              targeting: { activation: true, delaySeconds: 5, recontactDays: 90 },
            },
          ],
        },
      ],
    }
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
    console.log(`Wrote ${file} with fresh keys. Keep the read key secret: consider "readKey": "env:NORTHSTAR_READ_KEY".`)
  },

  keys() {
    const config = loadConfig(file)
    if (args[0] == 'rotate') {
      const id = args[1]
      const raw = JSON.parse(readFileSync(file, 'utf8'))
      const project = raw.projects.find((p: { id: string }) => p.id == id)
      if (!project) throw new ConfigError(`${file}: no project "${id}": name one of ${config.projects.map((p) => p.id).join(', ')}`)
      if (args.includes('--read')) {
        // A read key is a secret: the old one stops working at once (a leak is why one rotates it).
        if (String(project.readKey).startsWith('env:')) throw new ConfigError(`${file}: project "${id}" reads its readKey from ${project.readKey}: set a new value there (e.g. ${newKey('rk')})`)
        project.readKey = newKey('rk')
        writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`)
        console.log(`Project ${id}: new read key ${project.readKey}; the old one stops working when the collector restarts.`)
        return
      }
      // The old write key stays valid while pages that cached the snippet still send it.
      project.previousWriteKeys = [project.writeKey, ...(project.previousWriteKeys ?? [])]
      project.writeKey = newKey('wk')
      writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`)
      console.log(`Project ${id}: new write key ${project.writeKey}; the old one is kept in previousWriteKeys until you remove it.`)
      return
    }
    for (const p of config.projects) console.log(`${p.id}\twrite ${p.writeKey}\tread ${p.readKey}`)
  },

  async migrate() {
    const db = await openDb({ url: process.env.DATABASE_URL, file: process.env.NORTHSTAR_DB })
    await db.close()
    console.log(`Migrated ${db.dialect}`)
  },
}

const run = commands[command]
if (!run) {
  console.error(`Unknown command "${command}": use start, init, keys [rotate <project> [--read]] or migrate`)
  process.exit(2)
}
Promise.resolve()
  .then(run)
  .catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error)
    process.exit(1)
  })
