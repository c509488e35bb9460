import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { chain } from '../../../src/http/chain.js'

/** An app whose GET /x runs `handlers` as one chain, then says which error (if any) left it. */
function appWith(handlers: RequestHandler[], after?: RequestHandler) {
  const app = express()
  app.get('/x', chain(handlers))
  app.get('/x', after ?? ((_req, res) => void res.send('next route')))
  app.use(((err, _req, res, _next) => {
    res.status(500).send(`error: ${(err as Error).message}`)
  }) as ErrorRequestHandler)
  return app
}

const mark = (name: string): RequestHandler => (_req, res, next) => {
  res.append('x-seen', name)
  next()
}

describe('chain', () => {
  it('runs the handlers in order and leaves to the next layer when the last calls next()', async () => {
    const res = await request(appWith([mark('a'), mark('b')])).get('/x').expect(200)
    expect(res.text).toBe('next route')
    expect(res.headers['x-seen']).toBe('a, b')
  })

  it('stops at the handler that answers', async () => {
    const res = await request(appWith([mark('a'), (_req, res) => void res.send('answered'), mark('c')])).get('/x').expect(200)
    expect(res.text).toBe('answered')
    expect(res.headers['x-seen']).toBe('a')
  })

  it('hands next(err), a thrown error and a rejected promise to the error handler, skipping the rest', async () => {
    const failing: RequestHandler[] = [
      (_req, _res, next) => next(new Error('passed')),
      () => {
        throw new Error('thrown')
      },
      async () => {
        await Promise.resolve()
        throw new Error('rejected')
      },
    ]
    for (const [i, handler] of failing.entries()) {
      const res = await request(appWith([mark('a'), handler, mark('never')])).get('/x').expect(500)
      expect(res.text).toBe(`error: ${['passed', 'thrown', 'rejected'][i]}`)
      expect(res.headers['x-seen']).toBe('a')
    }
  })

  it("passes next('route') on to express, which skips to the next route", async () => {
    const res = await request(appWith([(_req, _res, next) => next('route'), mark('never')])).get('/x').expect(200)
    expect(res.text).toBe('next route')
    expect(res.headers['x-seen']).toBeUndefined()
  })

  it('waits for a handler that calls next() later', async () => {
    const later: RequestHandler = (_req, _res, next) => void setTimeout(next, 10)
    const res = await request(appWith([later, mark('b'), (_req, res) => void res.send('done')])).get('/x').expect(200)
    expect(res.text).toBe('done')
    expect(res.headers['x-seen']).toBe('b')
  })
})
