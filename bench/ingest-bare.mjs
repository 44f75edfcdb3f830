// The HTTP ceiling of the ingestion benchmark: a bare node:http server that
// reads the body, JSON.parses it and answers 204. Nothing else: no routing
// framework, no validation, no storage. Run by bench/ingest.mjs:
//   PORT=… node bench/ingest-bare.mjs
import { createServer } from 'node:http'

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'))
      res.writeHead(204).end()
    } catch {
      res.writeHead(400).end()
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => console.log(`bare server on ${process.env.PORT}`))
process.once('SIGTERM', () => server.close(() => process.exit(0)))
