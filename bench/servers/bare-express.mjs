// Peer (a): the least an express server can do per request.
import express from 'express'

const app = express()
app.get('/', (_req, res) => {
  res.json({ hello: 'world' })
})
const server = app.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`))
