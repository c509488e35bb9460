import express from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { parseQueryOnce } from '../../../src/http/query-once.js'

describe('parseQueryOnce', () => {
  it('answers what express parses, the same object on every read, under a mounted path too', async () => {
    const app = express()
    parseQueryOnce(app)
    const seen: unknown[] = []
    app.use('/v1', (req, _res, next) => {
      seen.push(req.query)
      next()
    })
    app.get('/v1/sts', (req, res) => {
      seen.push(req.query)
      res.json({ same: seen.every((q) => q === req.query), query: req.query })
    })
    const res = await request(app).get('/v1/sts?scope=read&a=1&a=2&b=%20x').expect(200)
    expect(res.body).toEqual({ same: true, query: { scope: 'read', a: ['1', '2'], b: ' x' } })
  })

  it('keeps the app\'s query parser setting, and refuses assignment as express\'s getter does', async () => {
    const app = express()
    app.set('query parser', 'extended')
    parseQueryOnce(app)
    app.get('/', (req, res) => {
      const first = req.query
      let threw = false
      try {
        ;(req as { query: unknown }).query = {}
      } catch {
        threw = true
      }
      res.json({ query: req.query, threw, same: first === req.query })
    })
    const res = await request(app).get('/?a[b]=1').expect(200)
    expect(res.body).toEqual({ query: { a: { b: '1' } }, threw: true, same: true })
  })
})
