import jwt from 'jsonwebtoken'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulator } from '../../src/policy/simulator.js'
import { parsePolicyText } from '../../src/policy/parse.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { androidProvider, iosProvider } from '../helpers/mobile-sdk.js'
import { rememberSecrets } from '../helpers/secrets.js'
import { capturedLogs } from '../helpers/app.js'

let t: TestApp
let alice: string
let bob: string

async function login(app: TestApp, who: { username: string; password: string }): Promise<string> {
  const res = await request(app.app).post('/v1/login').send(who).expect(200)
  rememberSecrets(res.body.accessToken)
  return res.body.accessToken as string
}

beforeAll(async () => {
  t = await buildTestApp()
  alice = await login(t, DEMO.alice)
  bob = await login(t, DEMO.bob)
})
afterAll(async () => {
  await t.close()
})

describe('GET /v1/sts', () => {
  it('answers in the mobile SDK format, with the bucket, region, endpoint and prefix nested under Placement', async () => {
    const res = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${alice}`).expect(200)
    rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
    expect(res.body).toEqual({
      StatusCode: 200,
      AccessKeyId: expect.stringMatching(/^STS\./),
      AccessKeySecret: expect.any(String),
      SecurityToken: expect.any(String),
      Expiration: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      Placement: { Bucket: 'app-base-oss', Region: 'cn-hangzhou', Endpoint: t.oss.endpoint, Prefix: 'alice/', Scope: 'read', Provider: 'local' },
    })
    expect(res.headers['cache-control']).toBe('no-store')
    // config.json ships AssumeRole's default lifetime, 3600 s.
    const expiresIn = Date.parse(res.body.Expiration) - Date.now()
    expect(expiresIn).toBeGreaterThan(3_580_000)
    expect(expiresIn).toBeLessThanOrEqual(3_600_000)
  })

  it('puts the placement at the top level too only when configured (the old shape)', async () => {
    const flat = await buildTestApp({ sts: { flatPlacement: true } })
    try {
      const token = await login(flat, DEMO.alice)
      const res = await request(flat.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${token}`).expect(200)
      rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
      expect(res.body).toMatchObject({ Bucket: 'app-base-oss', Region: 'cn-hangzhou', Prefix: 'alice/', Scope: 'read', Placement: { Prefix: 'alice/' } })
    } finally {
      await flat.close()
    }
  })

  it('is read correctly by the Android and iOS credential providers', async () => {
    const res = await request(t.app).get('/v1/sts').set('authorization', `Bearer ${alice}`).expect(200)
    const android = androidProvider(res.status, res.text)
    const ios = iosProvider(res.text)
    expect(android.ok && ios.ok).toBe(true)
    if (android.ok && ios.ok) expect(android.expiration).toBe(ios.expiration)
  })

  it('binds the credentials to the user: the session policy STS received confines them to alice/', async () => {
    const res = await request(t.app).get('/v1/sts?scope=read-write').set('authorization', `Bearer ${alice}`).expect(200)
    const issued = t.sts.store.get(res.body.AccessKeyId)
    expect(issued?.sessionName).toBe('u-alice')
    expect(issued?.roleArn).toBe('acs:ram::1234:role/ossvend-app')
    const sim = createSimulator([parsePolicyText(issued?.policy ?? '')], { bucket: 'app-base-oss', account: '1234' })
    sim.assertAllowed('PutObject', 'alice/a.txt')
    sim.assertDenied('GetObject', 'bob/a.txt')
    sim.assertDenied('ListObjects', '')
  })

  it('refuses the full session token as ?access_token= by default, readably for a provider and without echoing it', async () => {
    const res = await request(t.app).get(`/v1/sts?access_token=${alice}`).expect(200)
    expect(res.body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_INVALID' })
    expect(res.body.AccessKeyId).toBeUndefined()
    expect(res.text).not.toContain(alice)
    expect(androidProvider(res.status, res.text)).toEqual({ ok: false, error: 'ClientException: ErrorCode: ERR_AUTH_INVALID| ErrorMessage: Invalid token' })
  })

  it('accepts the session token as ?access_token= when configured for compatibility', async () => {
    const compat = await buildTestApp({ sts: { acceptSessionTokenInUrl: true } })
    try {
      const token = await login(compat, DEMO.alice)
      const res = await request(compat.app).get(`/v1/sts?access_token=${token}`).expect(200)
      rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
      expect(res.body.Placement.Prefix).toBe('alice/')
    } finally {
      await compat.close()
    }
  })

  it('gives each user their own prefix and session name, and serves repeat requests from the cache', async () => {
    const before = t.sts.stats.issued
    const a1 = await request(t.app).get('/v1/sts?scope=write').set('authorization', `Bearer ${alice}`).expect(200)
    const a2 = await request(t.app).get('/v1/sts?scope=write').set('authorization', `Bearer ${alice}`).expect(200)
    const b1 = await request(t.app).get('/v1/sts?scope=write').set('authorization', `Bearer ${bob}`).expect(200)
    expect(a2.body.AccessKeyId).toBe(a1.body.AccessKeyId)
    expect(b1.body.AccessKeyId).not.toBe(a1.body.AccessKeyId)
    expect(b1.body.Placement.Prefix).toBe('bob/')
    expect(t.sts.stats.issued - before).toBe(2)
  })

  it('makes exactly one AssumeRole call for 200 concurrent requests from one user', async () => {
    const carol = await buildTestApp({ auth: { demoUsers: [{ username: 'carol', password: 'carol-sandbox-pw', scopes: ['read'] }] } })
    try {
      const token = await login(carol, { username: 'carol', password: 'carol-sandbox-pw' })
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => request(carol.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${token}`)),
      )
      expect(responses.every((r) => r.status === 200)).toBe(true)
      expect(new Set(responses.map((r) => r.body.AccessKeyId)).size).toBe(1)
      expect(carol.sts.stats.issued).toBe(1)
    } finally {
      await carol.close()
    }
  })

  it('writes one audit line per vended credential, without the secret', async () => {
    const res = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${bob}`).expect(200)
    const audit = capturedLogs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === 'credential-vended' && l.accessKeyId === res.body.AccessKeyId)
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ user: 'bob', scope: 'read', sessionName: 'u-bob', expiration: res.body.Expiration, policyHash: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(JSON.stringify(audit[0])).not.toContain(res.body.AccessKeySecret)
  })

  it('refuses a scope the user does not hold (403) and an unknown one (400)', async () => {
    const limited = await buildTestApp({ auth: { demoUsers: [{ username: 'dave', password: 'dave-sandbox-pw', scopes: ['read'] }] } })
    try {
      const token = await login(limited, { username: 'dave', password: 'dave-sandbox-pw' })
      const forbidden = await request(limited.app).get('/v1/sts?scope=write').set('authorization', `Bearer ${token}`).expect(403)
      expect(forbidden.body).toMatchObject({ code: 'ERR_SCOPE_FORBIDDEN', StatusCode: 403, ErrorCode: 'ERR_SCOPE_FORBIDDEN' })
      const unknown = await request(limited.app).get('/v1/sts?scope=admin').set('authorization', `Bearer ${token}`).expect(400)
      expect(unknown.body.code).toBe('ERR_SCOPE_UNKNOWN')
      await request(limited.app).get('/v1/sts?scope=Bad*').set('authorization', `Bearer ${token}`).expect(400)
      expect(limited.sts.stats.issued).toBe(0)
    } finally {
      await limited.close()
    }
  })

  it('answers errors with HTTP 200 in mobile-compatible mode, which the Android provider can read', async () => {
    const plain = await request(t.app).get('/v1/sts').expect(401)
    expect(androidProvider(plain.status, plain.text)).toEqual({ ok: false, error: 'java.io.FileNotFoundException: <authServerUrl>' })
    const mobile = await request(t.app).get('/v1/sts?compat=mobile').expect(200)
    expect(mobile.body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_REQUIRED', ErrorMessage: expect.any(String) })
    expect(androidProvider(mobile.status, mobile.text)).toEqual({ ok: false, error: expect.stringContaining('ErrorCode: ERR_AUTH_REQUIRED') })
    expect(iosProvider(mobile.text).ok).toBe(false)
  })

  it('uses mobile-compatible errors for every request when configured', async () => {
    const compat = await buildTestApp({ sts: { mobileErrorsAsOk: true } })
    try {
      const res = await request(compat.app).get('/v1/sts').expect(200)
      expect(res.body.StatusCode).toBe(401)
    } finally {
      await compat.close()
    }
  })

  it('answers mobile SDK HTTP stacks with HTTP 200 errors even without a token, and Bearer clients with real statuses', async () => {
    const android = await request(t.app).get('/v1/sts').set('user-agent', 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A)').expect(200)
    expect(android.body).toMatchObject({ StatusCode: 401, ErrorCode: 'ERR_AUTH_REQUIRED' })
    const ios = await request(t.app).get('/v1/sts').set('user-agent', 'MyApp/3 CFNetwork/1494.0.7 Darwin/23.4.0').expect(200)
    expect(iosProvider(ios.text).ok).toBe(false)
    await request(t.app).get('/v1/sts?scope=admin').set('authorization', `Bearer ${alice}`).set('user-agent', 'Dalvik/2.1.0').expect(400)
    await request(t.app).get('/v1/sts?compat=http').set('user-agent', 'Dalvik/2.1.0').expect(401)
  })

  it('takes ?access_token= on /v1/sts only', async () => {
    const res = await request(t.app).post(`/v1/simulate?access_token=${alice}`).send({ operation: 'GetObject', key: 'alice/a' }).expect(401)
    expect(res.body.code).toBe('ERR_AUTH_REQUIRED')
  })

  it('refuses tokens whose subject is not a safe user id before anything reaches STS', async () => {
    const before = t.sts.stats.requests
    for (const sub of ['*', 'a*', '../x', 'a/b', '%2F', '"', 'Alice', ' a', 'a'.repeat(64)]) {
      const now = Math.floor(Date.now() / 1000)
      const token = jwt.sign({ sub, scope: 'read', iat: now, exp: now + 60 }, 'test-secret-test-secret-test-secret!', {
        algorithm: 'HS256', issuer: 'ossvend', audience: 'ossvend-app', header: { alg: 'HS256', typ: 'at+jwt' },
      })
      const res = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${token}`).expect(401)
      expect(res.body.code).toBe('ERR_AUTH_INVALID')
    }
    expect(t.sts.stats.requests).toBe(before)
  })
})

describe('requests per user per minute', () => {
  it('refuses the request past the limit with 429 ERR_RATE_LIMITED and Retry-After, per user, on every authenticated route', async () => {
    const limited = await buildTestApp({ server: { userRequestsPerMinute: 3 } })
    try {
      const carol = await login(limited, DEMO.alice)
      const dave = await login(limited, DEMO.bob)
      await request(limited.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${carol}`).expect(200)
      await request(limited.app).post('/v1/simulate').set('authorization', `Bearer ${carol}`).send({ operation: { action: 'oss:GetObject', key: 'alice/a' } })
      await request(limited.app).get('/v1/uploads').set('authorization', `Bearer ${carol}`).expect(200)
      const refused = await request(limited.app).post('/v1/sign/url').set('authorization', `Bearer ${carol}`).send({ key: 'alice/a', method: 'GET' }).expect(429)
      expect(refused.body).toMatchObject({ code: 'ERR_RATE_LIMITED', status: 429 })
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
      const mobile = await request(limited.app).get('/v1/sts?compat=mobile').set('authorization', `Bearer ${carol}`).expect(200)
      expect(mobile.body).toMatchObject({ StatusCode: 429, ErrorCode: 'ERR_RATE_LIMITED' })
      await request(limited.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${dave}`).expect(200)
    } finally {
      await limited.close()
    }
  })
})
