// A throwaway PostgreSQL cluster for tests: initdb into a temp folder, start it on a free
// 127.0.0.1 port, hand back a URL, and tear everything down on stop() (or when the process dies).
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, readdirSync, realpathSync, rmSync } from 'node:fs'
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

export const INSTALL_HINT =
  "PostgreSQL server not found: install it with 'apt-get install -y postgresql' (or set PG_BIN to the folder holding initdb and pg_ctl)"
const DATABASE = 'northstar_test'
const SUPERUSER = 'postgres'

export interface Postgres {
  url: string
  stop(): Promise<void>
}

export async function startPostgres(): Promise<Postgres> {
  const bin = findBin()
  // initdb and postgres refuse to run as root, so as root we hand everything to an unprivileged user.
  const runAs = process.getuid?.() === 0 ? unprivilegedUser() : undefined
  const dir = await mkdtemp(join(tmpdir(), 'northstar-pg-'))
  const data = join(dir, 'data')
  const log = join(dir, 'postgres.log')
  const run = (tool: string, args: string[]) => command(runAs, join(bin, tool), args)
  let started = false

  const stopSync = () => {
    if (started) spawnSync(...run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']), { cwd: dir, stdio: 'ignore' })
    started = false
    rmSync(dir, { recursive: true, force: true })
  }
  // A test run that dies without calling stop() must not leave a postmaster behind.
  const onExit = () => stopSync()
  process.on('exit', onExit)
  const watchdog = startWatchdog(dir, data)

  try {
    if (runAs) await chown(dir, Number(id('-u', runAs)), Number(id('-g', runAs)))
    await exec(run('initdb', ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions']), dir)

    const port = await freePort()
    // Written to postgresql.conf rather than pg_ctl -o, which goes through a shell and would need quoting.
    // fsync and synchronous_commit stay on: tests rely on real durability semantics.
    await appendFile(
      join(data, 'postgresql.conf'),
      [
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`, // keeps us out of /var/run/postgresql
        `shared_buffers = 32MB`,
        `max_connections = 50`,
        `fsync = on`,
        `synchronous_commit = on`,
        '',
      ].join('\n'),
    )
    started = true
    await exec(run('pg_ctl', ['start', '-D', data, '-l', log, '-w']), dir).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await readFile(log, 'utf8').catch(() => '')}`)
    })

    const client = new pg.Client({ connectionString: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres` })
    await client.connect()
    try {
      await client.query(`create database ${DATABASE}`)
    } finally {
      await client.end()
    }

    return {
      url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
      async stop() {
        process.off('exit', onExit)
        watchdog.stop()
        try {
          if (started) await exec(run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']), dir)
        } finally {
          started = false
          await rm(dir, { recursive: true, force: true })
        }
      },
    }
  } catch (error) {
    process.off('exit', onExit)
    watchdog.stop()
    stopSync()
    throw error
  }
}

/** PG_BIN, then /usr/lib/postgresql/<version>/bin (newest first), then PATH. */
function findBin(): string {
  const hasServer = (dir: string) =>
    ['initdb', 'pg_ctl', 'postgres'].every((tool) => {
      try {
        accessSync(join(dir, tool), constants.X_OK)
        return true
      } catch {
        return false
      }
    })

  if (process.env.PG_BIN) {
    if (hasServer(process.env.PG_BIN)) return process.env.PG_BIN
    throw new Error(`${INSTALL_HINT}; PG_BIN=${process.env.PG_BIN} has no initdb, pg_ctl and postgres`)
  }
  const versions = safeReaddir('/usr/lib/postgresql')
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => `/usr/lib/postgresql/${version}/bin`)
  // PATH entries are often symlinks (/usr/local/bin/initdb); pg_ctl needs the real folder, where postgres lives.
  const onPath = (process.env.PATH ?? '').split(delimiter).flatMap((dir) => {
    try {
      return [dirname(realpathSync(join(dir, 'initdb')))]
    } catch {
      return []
    }
  })
  const found = [...versions, ...onPath].find(hasServer)
  if (!found) throw new Error(INSTALL_HINT)
  return found
}

function unprivilegedUser(): string {
  try {
    id('-u', 'postgres')
    return 'postgres'
  } catch {
    return 'nobody'
  }
}

/** [file, args] for running a tool, through runuser when we must drop root. */
function command(runAs: string | undefined, file: string, args: string[]): [string, string[]] {
  return runAs ? ['runuser', ['-u', runAs, '--', file, ...args]] : [file, args]
}

async function exec([file, args]: [string, string[]], cwd: string): Promise<void> {
  // cwd matters: the unprivileged user cannot enter e.g. /root, and initdb complains about it.
  await promisify(execFile)(file, args, { cwd })
}

function id(flag: '-u' | '-g', user: string): string {
  return execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * 'exit' handlers do not run on SIGKILL, SIGINT or SIGTERM, so a detached shell polls for this process and,
 * once it is gone, sends the postmaster SIGQUIT (immediate shutdown) and removes the folder.
 */
function startWatchdog(dir: string, data: string): { stop(): void } {
  const script = `
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    [ -f "$3/postmaster.pid" ] && kill -QUIT "$(head -n 1 "$3/postmaster.pid")" 2>/dev/null
    sleep 1
    rm -rf "$2"`
  const child = spawn('sh', ['-c', script, 'pg-watchdog', String(process.pid), dir, data], { detached: true, stdio: 'ignore' })
  child.unref()
  return {
    stop() {
      // Negative pid: the whole group, so the pending `sleep` goes too.
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM')
        } catch {}
      }
    },
  }
}
