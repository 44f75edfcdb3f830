// A customer's site for the widget's end-to-end tests: a plain node:http server
// on its own port (so its own origin, not the collector's) that serves the pages
// and files a test registers, every answer under one Content-Security-Policy,
// and records the violation reports the browser POSTs to /csp-report.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A report as Chromium sends it for `report-uri` (Content-Type: application/csp-report). */
export interface CspReport {
  'document-uri'?: string
  'violated-directive'?: string
  'blocked-uri'?: string
  [key: string]: unknown
}

export type Site = Awaited<ReturnType<typeof createSite>>

const types: Record<string, string> = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' }

async function read(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) body += chunk
  return body
}

export async function createSite() {
  const files = new Map<string, { body: string; type: string }>()
  const reports: CspReport[] = []
  /** The policy every answer carries; set once the collector's origin is known. */
  let csp = "default-src 'self'"

  const server = createServer(async (req, res) => {
    const path = new URL(req.url!, 'http://site').pathname
    if (req.method == 'POST' && path == '/csp-report') {
      const body = await read(req)
      try {
        const parsed = JSON.parse(body)
        reports.push(parsed['csp-report'] ?? parsed)
      } catch {
        reports.push({ raw: body })
      }
      return void res.writeHead(204).end()
    }
    const file = files.get(path)
    if (req.method != 'GET' || !file) return void res.writeHead(404, { 'Content-Type': types.html!, 'Content-Security-Policy': csp }).end('Not found')
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Security-Policy': csp, 'Cache-Control': 'no-store' })
    res.end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    /** Violation reports received so far, in arrival order. */
    reports,
    /** The reports about the page at `path`. */
    reportsOf: (path: string) => reports.filter((r) => r['document-uri'] == `${origin}${path}`),
    setCsp(policy: string) {
      csp = policy
    },
    /** Serves `body` at `path`; the type follows the extension (html by default). */
    serve(path: string, body: string) {
      files.set(path, { body, type: types[path.split('.').pop()!] ?? types.html! })
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}
