// The dashboard page at `/`: what product managers read. A static page, one
// script and one style sheet, with no build step: the page asks the public read
// API with the read key the reader enters, so it holds no secret and no data.
// The three files are TS modules exporting their text, not siblings read at
// runtime, because rollup bundles the collector into one dist/collector.mjs.
import { createHash } from 'node:crypto'
import { Hono } from 'hono'
import type { Config } from '../config'
import type { Dialect } from '../db/index'
import { page } from './page'
import { script } from './script'
import { style } from './style'

/**
 * No inline script or style anywhere: the page runs under the strictest CSP that
 * lets it load its own two files and call its own API. frame-ancestors keeps the
 * key field out of other sites' frames (clickjacking); base-uri and form-action
 * close the two doors default-src leaves open.
 */
export const CSP = "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const etag = (body: string) => `"${createHash('sha1').update(body).digest('base64url')}"`

export function dashboard(config: Config, dialect: Dialect) {
  const app = new Hono()
  const html = page({ dialect, projects: config.projects.length })
  const files = [
    ['/', html, 'text/html; charset=utf-8'],
    ['/dashboard.js', script, 'text/javascript; charset=utf-8'],
    ['/dashboard.css', style, 'text/css; charset=utf-8'],
  ] as const
  for (const [path, body, type] of files) {
    const tag = etag(body)
    app.get(path, (c) => {
      c.header('Content-Security-Policy', CSP)
      c.header('X-Content-Type-Options', 'nosniff')
      c.header('Referrer-Policy', 'no-referrer')
      // revalidated each time: a collector upgrade must never pair a new page with an old script
      c.header('Cache-Control', 'no-cache')
      c.header('ETag', tag)
      if (c.req.header('if-none-match') == tag) return c.body(null, 304)
      return c.body(body, 200, { 'Content-Type': type })
    })
  }
  return app
}
