import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, describe, expect, it } from 'vitest'
import { appMessageClasses } from '../../../src/http/app-messages.js'

/** An app touching what ossvend's routes use: locals, query, ip behind a proxy, get, status, json, send, redirect, errors. */
function demoApp(): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('trust proxy', 'loopback')
  app.use((req, res, next) => {
    res.locals.seen = `${req.method} ${req.path}`
    next()
  })
  app.get('/echo', (req, res) => {
    res.setHeader('X-Seen', String(res.locals.seen))
    res.status(201).json({ query: req.query, ip: req.ip, protocol: req.protocol, hostname: req.hostname, agent: req.get('user-agent') !== undefined, xhr: req.xhr, fresh: req.fresh })
  })
  app.get('/text', (_req, res) => void res.type('text/plain').send('plain words'))
  app.get('/move', (_req, res) => res.redirect(302, '/text'))
  app.get('/fail', () => {
    throw Object.assign(new Error('refused'), { status: 418 })
  })
  app.use((err: { status?: number; message: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 500).type('application/problem+json').send(JSON.stringify({ title: err.message }))
  })
  return app
}

const servers: Server[] = []
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))))

async function listen(server: Server): Promise<string> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function answer(url: string) {
  const res = await fetch(url, { redirect: 'manual', headers: { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'app.example', 'X-Requested-With': 'XMLHttpRequest' } })
  const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'))
  return { status: res.status, headers, body: await res.text() }
}

describe('appMessageClasses', () => {
  it('makes requests and responses that already have the app prototypes, and are still Node messages', async () => {
    const app = demoApp()
    const seen: boolean[] = []
    const server = createServer({ ...appMessageClasses(app) }, (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response, req instanceof IncomingMessage, res instanceof ServerResponse)
      app(req, res)
    })
    const url = await listen(server)
    expect((await answer(`${url}/text`)).body).toBe('plain words')
    expect(seen).toEqual([true, true, true, true])
  })

  it('answers exactly as the same app on a default server', async () => {
    const app = demoApp()
    const born = await listen(createServer({ ...appMessageClasses(app) }, app))
    const plain = await listen(createServer(demoApp()))
    for (const path of ['/echo?a=1&b=two&b=3', '/text', '/move', '/fail', '/missing']) {
      expect(await answer(`${born}${path}`), path).toEqual(await answer(`${plain}${path}`))
    }
    expect(JSON.parse((await answer(`${born}/echo?a=1`)).body)).toEqual({ query: { a: '1' }, ip: '203.0.113.9', protocol: 'https', hostname: 'app.example', agent: true, xhr: true, fresh: false })
  })
})
