import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'
import { rememberSecrets } from '../helpers/secrets.js'

interface Session { accessToken: string; refreshToken: string }

async function login(t: TestApp): Promise<Session> {
  const res = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
  rememberSecrets(res.body.accessToken, res.body.refreshToken)
  return res.body as Session
}

async function refresh(t: TestApp, refreshToken: string) {
  const res = await request(t.app).post('/v1/token/refresh').send({ refreshToken })
  if (res.status === 200) rememberSecrets(res.body.accessToken, res.body.refreshToken)
  return res
}

async function stsStatus(t: TestApp, accessToken: string): Promise<number> {
  const res = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${accessToken}`)
  if (res.status === 200) rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
  return res.status
}

describe('sessions in one process', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ server: { trustProxy: 'loopback' }, auth: { guest: { enabled: true, scope: 'read', ttlSec: 300, perIpPerMinute: 3, perMinute: 4 } } })
  })
  afterAll(async () => t.close())

  it('rotates refresh tokens: each is good once and gives a working access token', async () => {
    const session = await login(t)
    const first = await refresh(t, session.refreshToken)
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 })
    expect(first.body.refreshToken).not.toBe(session.refreshToken)
    expect(await stsStatus(t, first.body.accessToken as string)).toBe(200)
    const second = await refresh(t, first.body.refreshToken as string)
    expect(second.status).toBe(200)
  })

  it('treats a retired refresh token as stolen: the whole session ends, access tokens included', async () => {
    const session = await login(t)
    const next = await refresh(t, session.refreshToken)
    expect(await stsStatus(t, next.body.accessToken as string)).toBe(200)
    const replay = await refresh(t, session.refreshToken)
    expect([replay.status, replay.body.code]).toEqual([401, 'ERR_AUTH_INVALID'])
    // The legitimate holder's newer tokens are gone too.
    expect((await refresh(t, next.body.refreshToken as string)).status).toBe(401)
    expect(await stsStatus(t, next.body.accessToken as string)).toBe(401)
    expect(await stsStatus(t, session.accessToken)).toBe(401)
  })

  it('refuses malformed and unknown refresh tokens', async () => {
    for (const refreshToken of ['x', `${'a'.repeat(22)}.${'b'.repeat(43)}`, 'a.b.c']) {
      const res = await refresh(t, refreshToken)
      expect([res.status, res.body.code]).toEqual([401, 'ERR_AUTH_INVALID'])
    }
    await request(t.app).post('/v1/token/refresh').send({}).expect(400)
  })

  it('signs out: the access token and its refresh family stop working, held until they expire', async () => {
    const session = await login(t)
    expect(await stsStatus(t, session.accessToken)).toBe(200)
    await request(t.app).post('/v1/logout').set('authorization', `Bearer ${session.accessToken}`).send({}).expect(204)
    expect(await stsStatus(t, session.accessToken)).toBe(401)
    expect((await refresh(t, session.refreshToken)).status).toBe(401)
    t.advance(600_000)
    expect(await stsStatus(t, session.accessToken)).toBe(401)
    t.advance(-600_000)
  })

  it('gives guests a random id with the guest scope only, limited per address and per minute', async () => {
    const guest = (ip: string) => request(t.app).post('/v1/guest').set('x-forwarded-for', ip)
    const first = await guest('203.0.113.1').expect(200)
    rememberSecrets(first.body.accessToken)
    expect(first.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 300 })
    const read = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${first.body.accessToken}`).expect(200)
    rememberSecrets(read.body.AccessKeySecret, read.body.SecurityToken)
    expect(read.body).toMatchObject({ Placement: { Provider: 'guest', Prefix: expect.stringMatching(/^guest\.[0-9a-f]{32}\/$/) } })
    const write = await request(t.app).get('/v1/sts?scope=write').set('authorization', `Bearer ${first.body.accessToken}`)
    expect([write.status, write.body.code]).toEqual([403, 'ERR_SCOPE_FORBIDDEN'])
    const second = await guest('203.0.113.1').expect(200)
    rememberSecrets(second.body.accessToken)
    const other = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${second.body.accessToken}`).expect(200)
    rememberSecrets(other.body.AccessKeySecret, other.body.SecurityToken)
    expect(other.body.Placement.Prefix).not.toBe(read.body.Placement.Prefix)
    await guest('203.0.113.1').expect(200)
    const limited = await guest('203.0.113.1').expect(429)
    expect(limited.body.code).toBe('ERR_RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Another address gets one more, then the service-wide limit (4 a minute) holds for everyone.
    await guest('198.51.100.7').expect(200)
    expect((await guest('198.51.100.8').expect(429)).body.code).toBe('ERR_RATE_LIMITED')
  })

  it('has no guest route unless enabled', async () => {
    const off = await buildTestApp()
    try {
      expect((await request(off.app).post('/v1/guest').expect(404)).body.code).toBe('ERR_NOT_FOUND')
    } finally {
      await off.close()
    }
  })
})

describe('sign-out across two instances sharing Redis', () => {
  let redis: RedisProcess
  let a: TestApp
  let b: TestApp
  beforeAll(async () => {
    redis = await startRedis()
    const shared = { store: { redisUrl: redis.url, keyPrefix: 'ossvend-sessions:' } }
    a = await buildTestApp(shared)
    b = await buildTestApp(shared)
  }, 30_000)
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await redis?.stop()
  })

  it('a token signed out on one instance is refused by the other, even where it was already verified', async () => {
    const session = await login(a)
    expect(await stsStatus(b, session.accessToken)).toBe(200)
    await request(a.app).post('/v1/logout').set('authorization', `Bearer ${session.accessToken}`).send({}).expect(204)
    // b learns of it over the revocation channel; a token b never saw is checked in Redis.
    let status = 200
    for (let i = 0; i < 40 && status === 200; i++) {
      status = await stsStatus(b, session.accessToken)
      if (status === 200) await new Promise((r) => setTimeout(r, 25))
    }
    expect(status).toBe(401)
    expect((await refresh(b, session.refreshToken)).status).toBe(401)
  })

  it('a refresh token rotated on one instance is retired on the other, and its reuse ends the session everywhere', async () => {
    const session = await login(a)
    const next = await refresh(b, session.refreshToken)
    expect(next.status).toBe(200)
    expect((await refresh(a, session.refreshToken)).status).toBe(401)
    expect((await refresh(b, next.body.refreshToken as string)).status).toBe(401)
    expect(await stsStatus(a, next.body.accessToken as string)).toBe(401)
  })
})
