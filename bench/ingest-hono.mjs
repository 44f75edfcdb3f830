// A minimal Hono app on @hono/node-server that only reads the body, JSON.parses
// it and answers like the collector ({ success: true }), used by
// `node bench/ingest.mjs --profile` to price the ways of reading a body:
//   BODY=stream    for await over c.req.raw.body (what collector/http.ts readBody does):
//                  @hono/node-server must build a real Request and a web ReadableStream
//   BODY=buffer    await c.req.arrayBuffer(): @hono/node-server's fast path, read from
//                  the IncomingMessage directly (no size cap while reading)
//   BODY=incoming  the IncomingMessage (c.env.incoming) read with 'data' events and a size cap
//   PORT=… BODY=… node bench/ingest-hono.mjs
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const LIMIT = 500 * 1024
const mode = process.env.BODY ?? 'stream'
const readers = {
  async stream(c) {
    const chunks = []
    for await (const chunk of c.req.raw.body) chunks.push(chunk)
    return Buffer.concat(chunks).toString('utf8')
  },
  async buffer(c) {
    return Buffer.from(await c.req.arrayBuffer()).toString('utf8')
  },
  incoming(c) {
    const incoming = c.env.incoming
    return new Promise((resolve, reject) => {
      const chunks = []
      let size = 0
      incoming.on('data', (chunk) => {
        size += chunk.length
        if (size > LIMIT) return void (incoming.destroy(), reject(new Error('too large')))
        chunks.push(chunk)
      })
      incoming.once('end', () => resolve((chunks.length == 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8')))
      incoming.once('error', reject)
    })
  },
}
const read = readers[mode]
const app = new Hono()
app.get('/healthz', (c) => c.json({ ok: true }))
app.post('/v1/:route', async (c) => {
  JSON.parse(await read(c))
  return c.json({ success: true })
})
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' })
