import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
let token: string
beforeAll(async () => {
  t = await buildTestApp({ auth: { loginThrottle: { perUserFailures: 1, perIpFailures: 100, windowSec: 60 } } })
  token = (await request(t.app).post('/v1/login').send(DEMO.alice)).body.accessToken
  rememberSecrets(token, DEMO.alice.password)
})
afterAll(async () => {
  await t.close()
})

const PROBLEM_KEYS = ['code', 'instance', 'requestId', 'status', 'title', 'type']

describe('every error a route can raise is problem+json with a stable code', () => {
  const cases: [string, () => request.Test, number, string][] = [
    ['ERR_REQUEST_INVALID', () => request(t.app).post('/v1/login').send({}), 400, '/v1/login'],
    ['ERR_REQUEST_MALFORMED', () => request(t.app).post('/v1/login').set('content-type', 'application/json').send('{'), 400, '/v1/login'],
    ['ERR_PAYLOAD_TOO_LARGE', () => request(t.app).post('/v1/simulate').set('authorization', `Bearer ${token}`).send({ operation: 'x'.repeat(20000) }), 413, '/v1/simulate'],
    ['ERR_AUTH_REQUIRED', () => request(t.app).post('/v1/simulate').send({ operation: 'GetObject' }), 401, '/v1/simulate'],
    ['ERR_AUTH_INVALID', () => request(t.app).post('/v1/simulate').set('authorization', 'Bearer a.b.c').send({ operation: 'GetObject' }), 401, '/v1/simulate'],
    ['ERR_LOGIN_FAILED', () => request(t.app).post('/v1/login').send({ username: 'bob', password: 'wrong-password' }), 401, '/v1/login'],
    ['ERR_LOGIN_THROTTLED', () => request(t.app).post('/v1/login').send({ username: 'bob', password: 'wrong-password' }), 429, '/v1/login'],
    ['ERR_SCOPE_UNKNOWN', () => request(t.app).get('/v1/sts?scope=admin').set('authorization', `Bearer ${token}`), 400, '/v1/sts'],
    ['ERR_NOT_FOUND', () => request(t.app).get('/v1/nothing'), 404, '/v1/nothing'],
    ['ERR_OPERATION_INVALID', () => request(t.app).post('/v1/simulate').set('authorization', `Bearer ${token}`).send({ operation: 'Teleport' }), 400, '/v1/simulate'],
  ]
  it.each(cases)('%s', async (code, send, status, instance) => {
    const res = await send()
    expect(res.status).toBe(status)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.body).toMatchObject({ code, status, instance, type: expect.stringMatching(/^tag:ossvend,2026:problem:/) })
    for (const key of PROBLEM_KEYS) expect(res.body).toHaveProperty(key)
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+|node_modules|stack/)
    if (status === 401 && !code.startsWith('ERR_LOGIN')) expect(res.headers['www-authenticate']).toMatch(code === 'ERR_AUTH_REQUIRED' ? /^Bearer realm="ossvend"$/ : /^Bearer realm="ossvend", error="invalid_token"/)
  })

  it('ERR_AUTH_EXPIRED, for a token past its lifetime', async () => {
    t.advance(2 * 3600_000)
    try {
      const res = await request(t.app).post('/v1/simulate').set('authorization', `Bearer ${token}`).send({ operation: 'GetObject', key: 'a' }).expect(401)
      expect(res.body.code).toBe('ERR_AUTH_EXPIRED')
    } finally {
      t.advance(-2 * 3600_000)
    }
  })

  it('ERR_INTERNAL hides what went wrong, and logs it', async () => {
    const broken = createApp({
      ...t.deps,
      verifyToken: async () => {
        throw new TypeError('internal detail: /srv/ossvend/keys.pem unreadable')
      },
    })
    const res = await request(broken).post('/v1/simulate').set('authorization', 'Bearer x.y.z').send({ operation: 'GetObject' }).expect(500)
    expect(res.body).toEqual({ type: 'tag:ossvend,2026:problem:internal', title: 'Internal error', status: 500, code: 'ERR_INTERNAL', instance: '/v1/simulate', requestId: expect.any(String) })
  })
})

describe('HTTP basics', () => {
  it('sets API headers (HSTS only over HTTPS) and hides the framework', async () => {
    const res = await request(t.app).get('/healthz').expect(200)
    expect(res.body).toEqual({ status: 'ok' })
    expect(res.headers['x-powered-by']).toBeUndefined()
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['strict-transport-security']).toBeUndefined()
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'")
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{30}$/)
    const again = await request(t.app).get('/healthz')
    expect(again.headers['x-request-id']).not.toBe(res.headers['x-request-id'])
  })

  it('allows exactly the configured origins, never with credentials or *', async () => {
    const ok = await request(t.app).options('/v1/sts').set('origin', 'http://localhost:8080').set('access-control-request-method', 'GET').expect(204)
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:8080')
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined()
    expect(ok.headers.vary).toMatch(/Origin/)
    const evil = await request(t.app).get('/healthz').set('origin', 'http://evil.example')
    expect(evil.headers['access-control-allow-origin']).toBeUndefined()
    expect(evil.headers.vary).toMatch(/Origin/)
  })

  it('serves the OpenAPI document with every error code', async () => {
    const res = await request(t.app).get('/openapi.json').expect(200)
    expect(res.body.openapi).toBe('3.1.0')
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/login', '/v1/sts', '/v1/simulate', '/healthz', '/readyz', '/metrics']))
    expect(res.body.components.schemas.Problem.properties.code.enum).toContain('ERR_STS_UNAVAILABLE')
  })

  it('counts requests by route and status in /metrics', async () => {
    await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${token}`).expect(200)
    const res = await request(t.app).get('/metrics').expect(200)
    expect(res.text).toMatch(/ossvend_http_requests_total\{route="\/v1\/sts",method="GET",status="200"\} \d+/)
    expect(res.text).toMatch(/ossvend_credential_cache_total\{result="miss"\} \d+/)
    expect(res.text).toMatch(/ossvend_sts_calls_total\{outcome="ok"\} \d+/)
    expect(res.text).toMatch(/ossvend_logins_total\{result="failed"\}/)
  })

  it('reports not ready while draining', async () => {
    await request(t.app).get('/readyz').expect(200)
    t.deps.health.draining = true
    try {
      const res = await request(t.app).get('/readyz').expect(503)
      expect(res.body).toEqual({ status: 'not-ready', reasons: ['shutting-down'], store: 'memory' })
      expect(res.headers.connection).toBe('close')
    } finally {
      t.deps.health.draining = false
    }
  })

  it('simulates an operation against the caller\'s own scope, with the trace', async () => {
    const own = await request(t.app).post('/v1/simulate').set('authorization', `Bearer ${token}`).send({ scope: 'read-write', operation: 'PutObject', key: 'alice/a.txt' }).expect(200)
    expect(own.body).toMatchObject({ scope: 'read-write', prefix: 'alice/', operation: 'PutObject', decision: 'Allow' })
    const other = await request(t.app).post('/v1/simulate').set('authorization', `Bearer ${token}`).send({ operation: 'GetObject', key: 'bob/a.txt' }).expect(200)
    expect(other.body.decision).toBe('ImplicitDeny')
    expect(other.body.checks[0].result.layer).toBe('session')
    const root = await request(t.app).post('/v1/simulate').set('authorization', `Bearer ${token}`).send({ operation: 'ListObjects', prefix: '' }).expect(200)
    expect(root.body.decision).toBe('ImplicitDeny')
  })
})
