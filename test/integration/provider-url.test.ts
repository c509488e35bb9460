import request from 'supertest'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { androidProvider, iosProvider } from '../helpers/mobile-sdk.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
let alice: string
let bob: string

async function login(app: TestApp, who: { username: string; password: string }): Promise<string> {
  const res = await request(app.app).post('/v1/login').send(who).expect(200)
  rememberSecrets(res.body.accessToken)
  return res.body.accessToken as string
}

/** POST /v1/sts/provider-url as `token`; the URL's path and query, for supertest. */
async function providerUrl(app: TestApp, token: string, body: object = {}) {
  const res = await request(app.app).post('/v1/sts/provider-url').set('authorization', `Bearer ${token}`).send(body)
  if (res.status !== 201) return { res, path: '', providerToken: '' }
  const url = new URL(res.body.url as string)
  const providerToken = url.searchParams.get('access_token') ?? ''
  rememberSecrets(providerToken)
  return { res, path: `${url.pathname}${url.search}`, providerToken }
}

/** What a mobile provider does with a URL: a plain GET, no headers. */
const fetchAsProvider = (app: TestApp, path: string) => request(app.app).get(path)

beforeAll(async () => {
  t = await buildTestApp()
  alice = await login(t, DEMO.alice)
  bob = await login(t, DEMO.bob)
})
afterAll(async () => {
  await t.close()
})

describe('provider URLs (POST /v1/sts/provider-url)', () => {
  it('gives a URL with a narrow token that the Android and iOS providers use as-is', async () => {
    const { res, path, providerToken } = await providerUrl(t, alice, { scope: 'read', ttl: 600 })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({ url: expect.stringMatching(/\/v1\/sts\?scope=read&access_token=ovpt_/), id: expect.any(String), scope: 'read', expiresAt: expect.any(String), expiresIn: 600 })
    expect(res.headers['cache-control']).toBe('no-store')
    expect(providerToken).not.toContain(alice)
    expect(providerToken.length).toBeLessThan(80)
    const creds = await fetchAsProvider(t, path).expect(200)
    rememberSecrets(creds.body.AccessKeySecret, creds.body.SecurityToken)
    expect(creds.body).toMatchObject({ StatusCode: 200, Placement: { Prefix: 'alice/', Scope: 'read' } })
    const android = androidProvider(creds.status, creds.text)
    expect(android).toMatchObject({ ok: true, accessKeyId: creds.body.AccessKeyId })
    expect(iosProvider(creds.text)).toMatchObject({ ok: true, accessKeyId: creds.body.AccessKeyId })
  })

  it('is good for its one scope only: another scope is refused readably, and nothing reaches STS', async () => {
    const { path } = await providerUrl(t, alice, { scope: 'read' })
    const before = t.sts.stats.requests
    const res = await fetchAsProvider(t, path.replace('scope=read', 'scope=write')).expect(200)
    expect(res.body).toMatchObject({ StatusCode: 403, ErrorCode: 'ERR_SCOPE_FORBIDDEN' })
    expect(androidProvider(res.status, res.text)).toEqual({ ok: false, error: expect.stringContaining('ErrorCode: ERR_SCOPE_FORBIDDEN') })
    expect(t.sts.stats.requests).toBe(before)
  })

  it('is good for GET /v1/sts only: not as a Bearer token, not for other routes, not to mint more URLs', async () => {
    const { providerToken } = await providerUrl(t, alice, { scope: 'read' })
    await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${providerToken}`).expect(401)
    await request(t.app).post('/v1/sign/url').set('authorization', `Bearer ${providerToken}`).send({ key: 'alice/a', method: 'GET' }).expect(401)
    await request(t.app).post(`/v1/sign/url?access_token=${providerToken}`).send({ key: 'alice/a', method: 'GET' }).expect(401)
    await request(t.app).post('/v1/sts/provider-url').set('authorization', `Bearer ${providerToken}`).send({}).expect(401)
    await request(t.app).post(`/v1/sts/provider-url?access_token=${providerToken}`).send({}).expect(401)
  })

  it('expires: ERR_AUTH_EXPIRED after its lifetime, in the providers\' readable form', async () => {
    const app = await buildTestApp()
    try {
      const token = await login(app, DEMO.alice)
      const { path } = await providerUrl(app, token, { scope: 'read', ttl: 60 })
      await fetchAsProvider(app, path).expect(200)
      app.advance(61_000)
      const res = await fetchAsProvider(app, path).expect(200)
      expect(res.body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_EXPIRED' })
    } finally {
      await app.close()
    }
  })

  it('is revoked by its owner only (DELETE /v1/sts/provider-url/ID): then refused at once', async () => {
    const { res, path } = await providerUrl(t, alice, { scope: 'read' })
    await fetchAsProvider(t, path).expect(200)
    await request(t.app).delete(`/v1/sts/provider-url/${res.body.id as string}`).set('authorization', `Bearer ${bob}`).expect(404)
    await request(t.app).delete(`/v1/sts/provider-url/${res.body.id as string}`).set('authorization', `Bearer ${alice}`).expect(204)
    const refused = await fetchAsProvider(t, path).expect(200)
    expect(refused.body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_INVALID' })
    await request(t.app).delete(`/v1/sts/provider-url/${res.body.id as string}`).set('authorization', `Bearer ${alice}`).expect(404)
    await request(t.app).delete('/v1/sts/provider-url/not-an-id').set('authorization', `Bearer ${alice}`).expect(404)
  })

  it('refuses a token whose secret half was changed, or that is not a token at all', async () => {
    const { path, providerToken } = await providerUrl(t, alice, { scope: 'read' })
    const forged = providerToken.slice(0, -4) + (providerToken.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    const res = await fetchAsProvider(t, path.replace(providerToken, forged)).expect(200)
    expect(res.body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_INVALID' })
    const junk = await fetchAsProvider(t, '/v1/sts?access_token=ovpt_nonsense').expect(200)
    expect(junk.body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_INVALID' })
  })

  it('never puts a token in what a provider shows: every error message the Android provider builds is token-free', async () => {
    const { path, providerToken } = await providerUrl(t, alice, { scope: 'read', ttl: 60 })
    const paths = [
      path.replace('scope=read', 'scope=write'),
      path.replace(providerToken, `${providerToken.slice(0, -2)}xx`),
      `/v1/sts?access_token=${alice}`,
      path.replace('scope=read', 'scope=Bad*'),
    ]
    for (const p of paths) {
      const res = await fetchAsProvider(t, p)
      const result = androidProvider(res.status, res.text, `http://127.0.0.1${p}`)
      expect(result.ok).toBe(false)
      if (!result.ok) {
        expect(result.error).toMatch(/^ClientException: ErrorCode: ERR_/)
        expect(result.error).not.toContain(providerToken.slice(5, 20))
        expect(result.error).not.toContain(alice.slice(0, 20))
      }
      expect(res.text).not.toContain(providerToken)
      expect(res.text).not.toContain(alice)
    }
  })

  it('checks its request: scope held and known, ttl within bounds, no unknown fields, a session token', async () => {
    const limited = await buildTestApp({ auth: { demoUsers: [{ username: 'erin', password: 'erin-sandbox-pw', scopes: ['read'] }] } })
    try {
      const erin = await login(limited, { username: 'erin', password: 'erin-sandbox-pw' })
      expect((await providerUrl(limited, erin, { scope: 'write' })).res.status).toBe(403)
      expect((await providerUrl(limited, erin, { scope: 'admin' })).res.body.code).toBe('ERR_SCOPE_UNKNOWN')
      expect((await providerUrl(limited, erin, { scope: 'read', ttl: 604801 })).res.body.code).toBe('ERR_REQUEST_INVALID')
      expect((await providerUrl(limited, erin, { scope: 'read', ttl: 59 })).res.status).toBe(400)
      expect((await providerUrl(limited, erin, { scope: 'read', ttl: 1.5 })).res.status).toBe(400)
      expect((await providerUrl(limited, erin, { scope: 'read', user: 'alice' })).res.status).toBe(400)
      await request(limited.app).post('/v1/sts/provider-url').send({ scope: 'read' }).expect(401)
      // No scope named: the default scope, if the user holds it (erin does not hold read-write).
      expect((await providerUrl(limited, erin)).res.status).toBe(403)
    } finally {
      await limited.close()
    }
  })
})

describe('provider URLs across instances sharing Redis', () => {
  let redis: RedisProcess
  let a: TestApp
  let b: TestApp

  beforeAll(async () => {
    redis = await startRedis()
    const patch = { store: { redisUrl: redis.url, keyPrefix: 'ptest:' } }
    a = await buildTestApp(patch)
    b = await buildTestApp(patch)
  }, 30_000)
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await redis?.stop()
  })

  it('a URL from one instance works on the other; a revocation on one holds on both at once', async () => {
    const token = await login(a, DEMO.alice)
    const { res, path, providerToken } = await providerUrl(a, token, { scope: 'read' })
    const onB = await fetchAsProvider(b, path).expect(200)
    rememberSecrets(onB.body.AccessKeySecret, onB.body.SecurityToken)
    expect(onB.body).toMatchObject({ StatusCode: 200, Placement: { Prefix: 'alice/', Scope: 'read' } })
    // Wrong scope and the rest hold on the other instance too.
    expect((await fetchAsProvider(b, path.replace('scope=read', 'scope=write'))).body.ErrorCode).toBe('ERR_SCOPE_FORBIDDEN')
    // Redis holds a record, never the usable token.
    const client = new Redis(redis.url)
    try {
      const keys = await client.keys('ptest:ptok:*')
      expect(keys).toContain(`ptest:ptok:${res.body.id as string}`)
      const stored = await client.get(`ptest:ptok:${res.body.id as string}`)
      expect(stored).not.toContain(providerToken.split('.')[1])
    } finally {
      client.disconnect()
    }
    await request(b.app).delete(`/v1/sts/provider-url/${res.body.id as string}`).set('authorization', `Bearer ${token}`).expect(204)
    expect((await fetchAsProvider(a, path)).body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_INVALID' })
    expect((await fetchAsProvider(b, path)).body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_INVALID' })
  })

  it('an expired URL is refused on both instances', async () => {
    const token = await login(a, DEMO.bob)
    const { path } = await providerUrl(a, token, { scope: 'read', ttl: 60 })
    await fetchAsProvider(b, path).expect(200)
    a.advance(61_000)
    b.advance(61_000)
    expect((await fetchAsProvider(a, path)).body.ErrorCode).toBe('ERR_AUTH_EXPIRED')
    expect((await fetchAsProvider(b, path)).body.ErrorCode).toBe('ERR_AUTH_EXPIRED')
  })

  it('Redis down: a provider URL answers 503 ERR_STORE_UNAVAILABLE readably, never a 500', async () => {
    const token = await login(a, DEMO.alice)
    const { path } = await providerUrl(a, token, { scope: 'read' })
    await redis.kill()
    try {
      const res = await fetchAsProvider(a, path)
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ StatusCode: 503, ErrorCode: 'ERR_STORE_UNAVAILABLE' })
    } finally {
      await redis.restart()
    }
  })
})
