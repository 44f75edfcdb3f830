// Serves the example app on http://localhost:8080 under a strict CSP, with the
// built snippet inlined and allowed by its hash (both from dist/, so they stay true).
//   NORTHSTAR_CONFIG=examples/script-tag/northstar.config.json npm start   # the collector, :8787
//   node examples/script-tag/serve.mjs                                      # this page, :8080
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

const here = new URL('.', import.meta.url)
const dist = new URL('../../dist/', import.meta.url)
// Elsewhere (test/e2e/example.test.ts): PORT for this page, COLLECTOR for the collector's origin.
const port = Number(process.env.PORT || 8080)
const collector = process.env.COLLECTOR || 'http://localhost:8787'
const types = { html: 'text/html', js: 'text/javascript', css: 'text/css' }

createServer((req, res) => {
  const file = { '/': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' }[req.url.split('?')[0]]
  if (!file) return res.writeHead(404).end('Not found')
  let body = readFileSync(new URL(file, here), 'utf8').replaceAll('http://localhost:8787', collector)
  const hash = readFileSync(new URL('snippet.sha256', dist), 'utf8').trim()
  if (file == 'index.html') body = body.replace('/*snippet*/', readFileSync(new URL('snippet.min.js', dist), 'utf8').trim())
  res.writeHead(200, {
    'Content-Type': `${types[file.split('.').pop()]}; charset=utf-8`,
    'Content-Security-Policy': `default-src 'self'; script-src 'self' ${collector} '${hash}'; connect-src 'self' ${collector}; style-src 'self'; img-src 'self'`,
  })
  res.end(body)
}).listen(port, () => console.log(`The example app: http://localhost:${port} (the collector must run at ${collector})`))
