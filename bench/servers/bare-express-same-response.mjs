// Control for (b): bare express answering with exactly the headers and body ossvend sends.
// With BENCH_BORN=1 its server makes requests and responses with express's prototypes from the
// start, as ossvend's does (src/http/app-messages.ts): the peer for ossvend's own work alone.
import { createServer } from 'node:http'
import express from 'express'
import { appMessageClasses } from '../../dist/http/app-messages.js'

const headers = JSON.parse(process.env.BENCH_HEADERS)
const body = process.env.BENCH_BODY
const app = express()
app.disable('x-powered-by')
app.set('etag', false)
app.get('/', (_req, res) => {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.type('application/json').send(body)
})
const server = createServer(process.env.BENCH_BORN === '1' ? { ...appMessageClasses(app) } : {}, app)
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`))
