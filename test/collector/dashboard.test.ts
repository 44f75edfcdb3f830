// The dashboard's three files as the collector serves them, in-process: types,
// the strict CSP, and the rules that keep the CSP and escaping honest (no
// inline script or style in the page, no innerHTML in the script). What the
// page shows is test/e2e/dashboard.test.ts's, in real Chromium.
import { Script } from 'node:vm'
import { describe, expect, test } from 'vitest'
import type { Db } from '../../collector/db/index'
import { config, testApp } from './harness'

// The dashboard routes never touch the database.
const app = testApp({ dialect: 'sqlite' } as Db)

describe('the dashboard', () => {
  test('serves the page, its script and its style sheet with their types under a strict CSP', async () => {
    for (const [path, type] of [
      ['/', 'text/html; charset=utf-8'],
      ['/dashboard.js', 'text/javascript; charset=utf-8'],
      ['/dashboard.css', 'text/css; charset=utf-8'],
    ] as const) {
      const res = await app.request(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type'), path).toBe(type)
      const csp = res.headers.get('content-security-policy')!
      for (const directive of ["default-src 'self'", "style-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) expect(csp).toContain(directive)
      expect(csp).not.toContain('unsafe')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  test('the page has no inline script, style or handler, and loads its two files', async () => {
    const html = await (await app.request('/')).text()
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/dashboard.js" defer>'])
    expect(html).toContain('<link rel="stylesheet" href="/dashboard.css">')
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
  })

  test('every control of the page has a label', async () => {
    const html = await (await app.request('/')).text()
    const ids = [...html.matchAll(/<(?:input|select)\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1])
    expect(ids.sort()).toEqual(['from', 'key', 'segment', 'to', 'tz', 'window'])
    for (const id of ids) expect(html, id).toContain(`<label for="${id}">`)
  })

  test('the script parses and never writes HTML from strings', async () => {
    const js = await (await app.request('/dashboard.js')).text()
    expect(() => new Script(js)).not.toThrow()
    const code = js.replace(/^\s*\/\/.*$/gm, '').replace(/\/\*\*[^]*?\*\//g, '')
    expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/)
  })

  test('answers 304 to a revalidation with the ETag', async () => {
    const first = await app.request('/dashboard.js')
    const again = await app.request('/dashboard.js', { headers: { 'If-None-Match': first.headers.get('etag')! } })
    expect(again.status).toBe(304)
  })

  test('names no project, key or config value: the page is public, the figures are behind the read key', async () => {
    const html = await (await app.request('/')).text()
    for (const p of config.projects) {
      expect(html).not.toContain(p.readKey)
      expect(html).not.toContain(p.writeKey)
      expect(html).not.toContain(p.name)
    }
  })
})
