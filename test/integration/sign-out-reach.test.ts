import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type ConfigPatch, type TestApp } from '../helpers/app.js'
import { makeSigningKey, makeTestCa, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js'
import { providerSettings, writeCaFile } from '../helpers/providers.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'
import { rememberSecrets } from '../helpers/secrets.js'

/**
 * What signing out reaches beyond ossvend's own session tokens: an identity provider's token used
 * directly as the Bearer token, and the provider-URL tokens (`ovpt_`) issued with the session.
 */
let idp: TestOidcProvider
let caFile: string
let redis: RedisProcess

beforeAll(async () => {
  const ca = await makeTestCa()
  caFile = writeCaFile(ca)
  idp = await startOidcProvider(ca)
  idp.keys = [await makeSigningKey('k1')]
  redis = await startRedis()
}, 60_000)
afterAll(async () => {
  await idp?.close()
  await redis?.stop()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

function settings(extra: ConfigPatch = {}): ConfigPatch {
  return { auth: { providers: [providerSettings('idp', idp.issuer, { jwksUrl: idp.jwksUrl, caFile, defaultScopes: ['read'] })] }, ...extra }
}

async function externalToken(t: TestApp, sub: string): Promise<string> {
  const token = await idp.sign({ sub }, { now: t.deps.clock().getTime(), expiresInSec: 1200 })
  rememberSecrets(token)
  return token
}

async function stsStatus(t: TestApp, token: string): Promise<number> {
  const res = await request(t.app).get('/v1/sts?scope=read').set(bearer(token))
  if (res.status === 200) rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
  return res.status
}

async function providerUrl(t: TestApp, token: string): Promise<string> {
  const res = await request(t.app).post('/v1/sts/provider-url').set(bearer(token)).send({ scope: 'read' }).expect(201)
  const url = new URL(res.body.url as string)
  rememberSecrets(url.searchParams.get('access_token') ?? undefined)
  return `${url.pathname}${url.search}&compat=http`
}

async function providerUrlStatus(t: TestApp, path: string): Promise<[number, string | undefined]> {
  const res = await request(t.app).get(path)
  if (res.status === 200) rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
  return [res.status, res.body.code as string | undefined]
}

async function login(t: TestApp): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
  rememberSecrets(res.body.accessToken, res.body.refreshToken)
  return res.body as { accessToken: string; refreshToken: string }
}

/** Polls until `check` holds (a revocation travels to the other instance over Redis pub/sub). */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<T> {
  let last = await read()
  for (let i = 0; i < 40 && JSON.stringify(last) !== JSON.stringify(expected); i++) {
    await new Promise((r) => setTimeout(r, 25))
    last = await read()
  }
  return last
}

describe('signing out in one process', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp(settings())
  })
  afterAll(async () => t?.close())

  it('revokes an identity provider token used directly, and refuses its exchange', async () => {
    const token = await externalToken(t, 'erin')
    expect(await stsStatus(t, token)).toBe(200)
    await request(t.app).post('/v1/logout').set(bearer(token)).expect(204)
    expect(await stsStatus(t, token)).toBe(401)
    const exchanged = await request(t.app).post('/v1/token/exchange').send({ subjectToken: token })
    expect([exchanged.status, exchanged.body.code]).toEqual([401, 'ERR_AUTH_INVALID'])
    // Another token of the same user is not affected.
    expect(await stsStatus(t, await externalToken(t, 'erin'))).toBe(200)
  })

  it('ends the provider URLs issued with the session, and only those', async () => {
    const session = await login(t)
    const other = await login(t)
    const mine = await providerUrl(t, session.accessToken)
    const theirs = await providerUrl(t, other.accessToken)
    expect(await providerUrlStatus(t, mine)).toEqual([200, undefined])
    await request(t.app).post('/v1/logout').set(bearer(session.accessToken)).expect(204)
    expect(await providerUrlStatus(t, mine)).toEqual([401, 'ERR_AUTH_INVALID'])
    expect(await providerUrlStatus(t, theirs)).toEqual([200, undefined])
  })

  it('ends the provider URLs of a session whose refresh token was reused', async () => {
    const session = await login(t)
    const url = await providerUrl(t, session.accessToken)
    const next = await request(t.app).post('/v1/token/refresh').send({ refreshToken: session.refreshToken }).expect(200)
    rememberSecrets(next.body.accessToken, next.body.refreshToken)
    await request(t.app).post('/v1/token/refresh').send({ refreshToken: session.refreshToken }).expect(401)
    expect(await providerUrlStatus(t, url)).toEqual([401, 'ERR_AUTH_INVALID'])
  })

  it('ends the provider URLs issued with an identity provider token when it signs out', async () => {
    const token = await externalToken(t, 'fay')
    const url = await providerUrl(t, token)
    expect(await providerUrlStatus(t, url)).toEqual([200, undefined])
    await request(t.app).post('/v1/logout').set(bearer(token)).expect(204)
    expect(await providerUrlStatus(t, url)).toEqual([401, 'ERR_AUTH_INVALID'])
  })
})

describe('signing out across two instances sharing Redis', () => {
  let a: TestApp
  let b: TestApp
  beforeAll(async () => {
    const shared = settings({ store: { redisUrl: redis.url, keyPrefix: 'ossvend-sign-out:' } })
    a = await buildTestApp(shared)
    b = await buildTestApp(shared)
  }, 30_000)
  afterAll(async () => {
    await a?.close()
    await b?.close()
  })

  it('an identity provider token signed out on A is refused by B, where it was verified before, and where it was not', async () => {
    const seen = await externalToken(a, 'gil')
    const unseen = await externalToken(a, 'gil')
    expect(await stsStatus(b, seen)).toBe(200)
    expect(await stsStatus(a, unseen)).toBe(200)
    await request(a.app).post('/v1/logout').set(bearer(seen)).expect(204)
    await request(a.app).post('/v1/logout').set(bearer(unseen)).expect(204)
    expect(await eventually(() => stsStatus(b, seen), 401)).toBe(401)
    expect(await stsStatus(b, unseen)).toBe(401)
    expect(await stsStatus(a, seen)).toBe(401)
    expect((await request(b.app).post('/v1/token/exchange').send({ subjectToken: unseen })).status).toBe(401)
  })

  it('a provider URL issued on A with a session signed out on B is refused by both', async () => {
    const session = await login(a)
    const url = await providerUrl(a, session.accessToken)
    expect(await providerUrlStatus(b, url)).toEqual([200, undefined])
    await request(b.app).post('/v1/logout').set(bearer(session.accessToken)).expect(204)
    expect(await providerUrlStatus(a, url)).toEqual([401, 'ERR_AUTH_INVALID'])
    expect(await providerUrlStatus(b, url)).toEqual([401, 'ERR_AUTH_INVALID'])
  })
})
