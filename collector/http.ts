// The HTTP conventions of every route: JSON errors that say what to fix, CORS
// as DESIGN.md fixes it, bounded (and gunzipped) bodies, and keys.
import { gunzipSync } from 'node:zlib'
import type { Context, MiddlewareHandler } from 'hono'
import type { Project } from './config'

export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 500 | 503,
    readonly code: string,
    message: string,
    readonly extra: { path?: string; rejected?: { index: number; message: string; path?: string }[]; headers?: Record<string, string> } = {},
  ) {
    super(message)
  }
}

export function errorResponse(c: Context, error: unknown): Response {
  if (!(error instanceof HttpError)) {
    console.error(error)
    error = new HttpError(500, 'internal', 'The collector failed to handle this request; nothing of it was stored. Retry later.')
  }
  const { status, code, message, extra } = error as HttpError
  const { headers, ...rest } = extra
  for (const [name, value] of Object.entries(headers ?? {})) c.header(name, value)
  return c.json({ error: { code, message, ...rest } }, status)
}

/** Limits of the Segment HTTP API. */
export const MAX_BATCH = 500 * 1024
export const MAX_MESSAGE = 32 * 1024

/** The body as text: at most `limit` bytes, after gunzip when Content-Encoding says so (a gzip bomb is a 413). */
export async function readBody(c: Context, limit = MAX_BATCH): Promise<string> {
  const tooLarge = () => new HttpError(413, 'too_large', `The body is larger than ${limit / 1024} KB: send smaller batches (at most 500 KB, 32 KB per message)`)
  const length = Number(c.req.header('content-length'))
  if (length > limit) throw tooLarge()
  const chunks: Uint8Array[] = []
  let size = 0
  // On @hono/node-server, read Node's own request: building the web ReadableStream costs
  // ~175 us per request (bench/ingest.mjs --profile). In-process tests have only the stream.
  const source = (c.env as { incoming?: AsyncIterable<Uint8Array> } | undefined)?.incoming ?? (c.req.raw.body as unknown as AsyncIterable<Uint8Array> | null)
  if (source)
    for await (const chunk of source) {
      size += chunk.byteLength
      if (size > limit) throw tooLarge()
      chunks.push(chunk)
    }
  let bytes = Buffer.concat(chunks)
  const encoding = (c.req.header('content-encoding') ?? 'identity').toLowerCase()
  if (encoding == 'gzip') {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: limit })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code == 'ERR_BUFFER_TOO_LARGE') throw tooLarge()
      throw new HttpError(400, 'bad_gzip', 'The body is not valid gzip: compress it with gzip, or drop Content-Encoding')
    }
  } else if (encoding != 'identity') {
    throw new HttpError(415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported: send gzip or an uncompressed body`)
  }
  return bytes.toString('utf8')
}

/** JSON from a body sent as application/json, or as text/plain by browsers (no CORS preflight). */
export function parseJson(c: Context, text: string): unknown {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type != 'application/json' && type != 'text/plain')
    throw new HttpError(415, 'unsupported_media_type', `Content-Type ${type || '(none)'} is not accepted: send application/json, or text/plain from browsers`)
  if (!text.trim()) throw new HttpError(400, 'empty_body', 'The body is empty: send a JSON object')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `The body is not valid JSON (${(error as Error).message}): send one JSON object`)
  }
}

const BLOCKED_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const MAX_DEPTH = 32

/**
 * Why a string cannot be stored as text alike on both databases, or undefined: PostgreSQL refuses NUL, and
 * a lone UTF-16 surrogate (JSON allows "\\ud800") becomes U+FFFD there but stays as it is in SQLite.
 */
function untext(s: string): string | undefined {
  if (s.includes('\0')) return 'contains a NUL character (\\u0000), which PostgreSQL cannot store or read back: remove it'
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) return 'contains a lone UTF-16 surrogate (\\ud800 to \\udfff without its pair), which is not text: send well-formed Unicode'
}

/** A path as stored with a quarantined message: what untext() refuses written out, not as the characters themselves. */
const printable = (path: string) => path.replace(/[\0\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

/**
 * Where a value nests too deep, carries a key that could pollute prototypes downstream, or holds a string
 * or a key that is not storable text (untext), or undefined.
 */
export function unsafeJson(value: unknown, path = '', depth = 0): { path: string; message: string } | undefined {
  if (typeof value == 'string') {
    const message = untext(value)
    return message ? { path, message } : undefined
  }
  if (typeof value != 'object' || value == null) return undefined
  if (depth >= MAX_DEPTH) return { path, message: `nests deeper than ${MAX_DEPTH} levels: flatten it` }
  for (const [k, v] of Object.entries(value)) {
    const here = Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k
    const message = untext(k)
    if (message) return { path: printable(here), message }
    if (!Array.isArray(value) && BLOCKED_KEYS.has(k)) return { path: here, message: `the key "${k}" is not allowed: rename it` }
    const found = unsafeJson(v, here, depth + 1)
    if (found) return found
  }
  return undefined
}

/** Keys to projects, built once from the config. */
export interface Keys {
  write: Map<string, Project>
  read: Map<string, Project>
  origins: Set<string>
}

export function indexKeys(projects: Project[]): Keys {
  const keys: Keys = { write: new Map(), read: new Map(), origins: new Set() }
  for (const p of projects) {
    for (const k of [p.writeKey, ...p.previousWriteKeys]) keys.write.set(k, p)
    keys.read.set(p.readKey, p)
    for (const o of p.allowedOrigins) keys.origins.add(o)
  }
  return keys
}

/** Server-side Segment clients send the write key as the HTTP Basic user. */
export function basicUser(header: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  return decoded.slice(0, decoded.includes(':') ? decoded.indexOf(':') : undefined) || undefined
}

export function writeProject(keys: Keys, c: Context, bodyKey: unknown): Project {
  const key = basicUser(c.req.header('authorization')) ?? (typeof bodyKey == 'string' ? bodyKey : undefined)
  if (!key) throw new HttpError(401, 'missing_write_key', 'No write key: browsers put it in the body as "writeKey"; servers send it as the HTTP Basic user')
  const project = keys.write.get(key)
  if (!project) {
    if (keys.read.has(key)) throw new HttpError(403, 'read_key', 'That is a read key, which can never write: use the project’s write key')
    throw new HttpError(401, 'unknown_write_key', 'Unknown write key: check it against northstar.config.json (old keys stay valid only in previousWriteKeys)')
  }
  const origin = c.req.header('origin')
  if (origin && !project.allowedOrigins.includes(origin))
    throw new HttpError(403, 'origin_not_allowed', `Origin ${origin} may not write to project "${project.id}": add it to allowedOrigins in northstar.config.json`)
  return project
}

export function readProject(keys: Keys, c: Context): Project {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')
  if (!match) throw new HttpError(401, 'missing_read_key', 'Reads need the project’s read key: send "Authorization: Bearer rk_..."')
  const project = keys.read.get(match[1]!)
  if (!project) {
    if (keys.write.has(match[1]!)) throw new HttpError(403, 'write_key', 'That is a write key, which can never read: use the project’s read key')
    throw new HttpError(401, 'unknown_read_key', 'Unknown read key: check it against northstar.config.json')
  }
  return project
}

/**
 * CORS on every response, errors included: the browser SDK must read Retry-After
 * and the rejected indexes. Credentials are never allowed. Whether an origin may
 * write to a given project is the write check's to say (403).
 */
export function cors(keys: Keys): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin')
    const allowed = origin && keys.origins.has(origin)
    const set = (headers: Headers) => {
      headers.append('Vary', 'Origin')
      headers.set('Access-Control-Expose-Headers', 'Retry-After')
      headers.set('Access-Control-Max-Age', '7200')
      if (allowed) headers.set('Access-Control-Allow-Origin', origin)
    }
    if (c.req.method == 'OPTIONS') {
      const res = new Response(null, { status: 204 })
      set(res.headers)
      if (allowed) {
        res.headers.set('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS')
        res.headers.set('Access-Control-Allow-Headers', 'Authorization, Content-Type')
      }
      return res
    }
    await next()
    set(c.res.headers)
  }
}
