// Serves the example app on http://localhost:8080 under a strict CSP, with the
// built snippet inlined and allowed by its hash (both from dist/, so they stay true).
//   NORTHSTAR_CONFIG=examples/script-tag/northstar.config.json npm start   # the collector, :8787
//   node examples/script-tag/serve.mjs                                      # this page, :8080
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

const here = new URL('.', import.meta.url)
const dist = new URL('../../dist/', import.meta.url)
const collector = 'http://localhost:8787'
const types = { html: 'text/html', js: 'text/javascript', css: 'text/css' }

createServer((req, res) => {
  const file = { '/': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' }[req.url.split('?')[0]]
  if (!file) return res.writeHead(404).end('Not found')
  let body = readFileSync(new URL(file, here), 'utf8')
  const hash = readFileSync(new URL('snippet.sha256', dist), 'utf8').trim()
  if (file == 'index.html') body = body.replace('/*snippet*/', readFileSync(new URL('snippet.min.js', dist), 'utf8').trim())
  res.writeHead(200, {
    'Content-Type': `${types[file.split('.').pop()]}; charset=utf-8`,
    'Content-Security-Policy': `default-src 'self'; script-src 'self' ${collector} '${hash}'; connect-src 'self' ${collector}; style-src 'self'; img-src 'self'`,
  })
  res.end(body)
}).listen(8080, () => console.log('The example app: http://localhost:8080 (the collector must run on :8787)'))
