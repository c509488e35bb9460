import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'

let direct: TestApp
let proxied: TestApp
beforeAll(async () => {
  direct = await buildTestApp()
  proxied = await buildTestApp({ server: { trustProxy: 'loopback' } })
})
afterAll(async () => {
  await direct.close()
  await proxied.close()
})

describe('response headers', () => {
  it('API answers carry API headers only: a no-load CSP, nosniff, no page headers', async () => {
    for (const res of [await request(direct.app).get('/healthz'), await request(direct.app).get('/v1/sts'), await request(direct.app).get('/nothing')]) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['cross-origin-opener-policy']).toBeUndefined()
      expect(res.headers['x-xss-protection']).toBeUndefined()
    }
  })

  it('the upload page and /docs carry their own CSPs and page headers', async () => {
    const page = await request(direct.app).get('/').expect(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).toContain('connect-src')
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin')
    const docs = await request(direct.app).get('/docs').expect(200)
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'")
    expect(docs.headers['content-security-policy']).not.toContain('unsafe')
    expect(docs.headers['x-frame-options']).toBe('SAMEORIGIN')
  })

  it('HSTS only when the request is known to be HTTPS: trusted proxy with X-Forwarded-Proto', async () => {
    expect((await request(direct.app).get('/healthz')).headers['strict-transport-security']).toBeUndefined()
    // An untrusted X-Forwarded-Proto changes nothing.
    expect((await request(direct.app).get('/healthz').set('x-forwarded-proto', 'https')).headers['strict-transport-security']).toBeUndefined()
    expect((await request(proxied.app).get('/healthz')).headers['strict-transport-security']).toBeUndefined()
    expect((await request(proxied.app).get('/healthz').set('x-forwarded-proto', 'https')).headers['strict-transport-security']).toMatch(/^max-age=\d+/)
  })

  it('adopts a valid X-Request-Id and replaces an invalid one', async () => {
    expect((await request(direct.app).get('/healthz').set('x-request-id', 'abc.DEF_123:x-y')).headers['x-request-id']).toBe('abc.DEF_123:x-y')
    for (const bad of ['', 'a'.repeat(129), 'with space', 'quote"', 'new\tline']) {
      const id = (await request(direct.app).get('/healthz').set('x-request-id', bad)).headers['x-request-id']
      expect(id).not.toBe(bad)
      expect(id).toMatch(/^[0-9a-f-]{30}$/)
    }
    const zero = await request(direct.app).get('/healthz').set('traceparent', '00-00000000000000000000000000000000-b7ad6b7169203331-01')
    expect(zero.headers['x-request-id']).toMatch(/^[0-9a-f-]{30}$/)
  })
})
