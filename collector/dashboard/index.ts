// The dashboard page at `/`: what product managers read. It reads the metrics
// through the public read API with the read key the reader enters.
import { Hono } from 'hono'
import type { Config } from '../config'
import type { Dialect } from '../db/index'

export function dashboard(config: Config, dialect: Dialect) {
  const app = new Hono()
  app.get('/', (c) =>
    c.html(
      `<!doctype html><meta charset="utf-8"><title>Northstar</title><h1>Northstar collector</h1><p>Serving ${config.projects
        .map((p) => `<b>${p.name.replace(/[<&]/g, '')}</b>`)
        .join(', ')} on ${dialect}. The API is described at <a href="/openapi.json">/openapi.json</a>.</p>`,
    ),
  )
  return app
}
