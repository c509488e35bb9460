import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ auth: { loginThrottle: { perUserFailures: 5, perIpFailures: 50, windowSec: 900 } } })
  rememberSecrets(DEMO.alice.password, DEMO.bob.password)
})
afterAll(async () => {
  await t.close()
})

describe('POST /v1/login', () => {
  it('returns a bearer token for a demo user', async () => {
    const res = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900, refreshToken: expect.any(String), refreshExpiresIn: 2592000 })
    expect(res.headers['cache-control']).toBe('no-store')
    rememberSecrets(res.body.accessToken, res.body.refreshToken)
  })

  it('accepts the username in any case', async () => {
    await request(t.app).post('/v1/login').send({ username: 'BOB', password: DEMO.bob.password }).expect(200)
  })

  it('answers an unknown user exactly like a wrong password', async () => {
    const wrong = await request(t.app).post('/v1/login').send({ username: 'bob', password: 'not-the-password' }).expect(401)
    const unknown = await request(t.app).post('/v1/login').send({ username: 'mallory', password: 'whatever-123' }).expect(401)
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined })
    expect(strip(unknown.body)).toEqual(strip(wrong.body))
    expect(wrong.body).toMatchObject({ code: 'ERR_LOGIN_FAILED', title: 'Invalid username or password', status: 401 })
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/)
  })

  it('throttles the sixth failure for an account with 429 and Retry-After, and a success does not count', async () => {
    const user = { username: 'alice', password: 'wrong-password' }
    await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
    for (let i = 0; i < 5; i++) await request(t.app).post('/v1/login').send(user).expect(401)
    const sixth = await request(t.app).post('/v1/login').send(DEMO.alice).expect(429)
    expect(sixth.body.code).toBe('ERR_LOGIN_THROTTLED')
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0)
    // Bob, from the same address, is unaffected.
    await request(t.app).post('/v1/login').send(DEMO.bob).expect(200)
  })

  it('throttles per IP across accounts', async () => {
    const small = await buildTestApp({ auth: { loginThrottle: { perUserFailures: 100, perIpFailures: 3, windowSec: 60 } } })
    try {
      for (const name of ['a1', 'a2', 'a3']) await request(small.app).post('/v1/login').send({ username: name, password: 'xxxxxxxx' }).expect(401)
      await request(small.app).post('/v1/login').send(DEMO.bob).expect(429)
    } finally {
      await small.close()
    }
  })

  it('refuses a body of the wrong shape with every issue', async () => {
    const res = await request(t.app).post('/v1/login').send({ user: 'alice', password: 5 }).expect(400)
    expect(res.body.code).toBe('ERR_REQUEST_INVALID')
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/password', '/user', '/username'])
  })

  it('refuses broken JSON, a gzip body and an oversized body before parsing', async () => {
    const broken = await request(t.app).post('/v1/login').set('content-type', 'application/json').send('{"username":').expect(400)
    expect(broken.body.code).toBe('ERR_REQUEST_MALFORMED')
    expect(broken.body.detail).toBeUndefined()
    const gzip = await request(t.app).post('/v1/login').set('content-type', 'application/json').set('content-encoding', 'gzip').send('xx').expect(400)
    expect(gzip.body.code).toBe('ERR_REQUEST_MALFORMED')
    const big = await request(t.app).post('/v1/login').send({ username: 'a', password: 'x'.repeat(1024 * 1024) }).expect(413)
    expect(big.body.code).toBe('ERR_PAYLOAD_TOO_LARGE')
  })
})
