// Control for (b): bare express answering with exactly the headers and body ossvend sends.
import express from 'express'

const headers = JSON.parse(process.env.BENCH_HEADERS)
const body = process.env.BENCH_BODY
const app = express()
app.disable('x-powered-by')
app.set('etag', false)
app.get('/', (_req, res) => {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.type('application/json').send(body)
})
const server = app.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`))
