import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import jwt from 'jsonwebtoken'
import pino from 'pino'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newRefreshToken } from '../../src/auth/refresh-tokens.js'
import { connectRedis } from '../../src/store/redis-connection.js'
import { buildTestApp, capturedLogs, DEMO, type TestApp } from '../helpers/app.js'
import { makeSigningKey, makeTestCa, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js'
import { providerSettings, writeCaFile } from '../helpers/providers.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'
import { expectNoSecretsLogged, rememberSecrets } from '../helpers/secrets.js'

const KEY_PREFIX = 'ossvend-claims:'
let corp: TestOidcProvider
let redis: RedisProcess
const apps: Record<'memory' | 'redis', TestApp | undefined> = { memory: undefined, redis: undefined }

beforeAll(async () => {
  const ca = await makeTestCa()
  corp = await startOidcProvider(ca)
  corp.keys = [await makeSigningKey('k1')]
  redis = await startRedis()
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-session-claims-'))
  const rules = join(dir, 'tenants.json')
  writeFileSync(rules, JSON.stringify({
    rules: [{ path: 'tenants/{claims.tenant}/{user}/*', id: 'mine', access: { owner: ['read', 'list', 'write', 'delete'] } }],
  }))
  const base = await buildTestApp()
  const { config } = base
  await base.close()
  const patch = {
    auth: { providers: [providerSettings('corp', corp.issuer, { jwksUrl: corp.jwksUrl, caFile: writeCaFile(ca) })] },
    policies: { ...config.policies, scopes: { ...config.policies.scopes, tenants: rules } },
  }
  apps.memory = await buildTestApp(patch)
  apps.redis = await buildTestApp({ ...patch, store: { redisUrl: redis.url, keyPrefix: KEY_PREFIX } })
}, 60_000)
afterAll(async () => {
  await apps.memory?.close()
  await apps.redis?.close()
  await corp?.close()
  await redis?.stop()
})

const bearer = (token: string) => {
  rememberSecrets(token)
  return { authorization: `Bearer ${token}` }
}

interface Session { accessToken: string; refreshToken: string }

async function exchange(t: TestApp, claims: Record<string, unknown>): Promise<Session> {
  const subjectToken = await corp.sign({ scp: ['tenants'], ...claims })
  rememberSecrets(subjectToken)
  const res = await request(t.app).post('/v1/token/exchange').send({ subjectToken }).expect(200)
  rememberSecrets(res.body.accessToken, res.body.refreshToken)
  return res.body as Session
}

async function refresh(t: TestApp, session: Session): Promise<Session> {
  const res = await request(t.app).post('/v1/token/refresh').send({ refreshToken: session.refreshToken }).expect(200)
  rememberSecrets(res.body.accessToken, res.body.refreshToken)
  return res.body as Session
}

const carried = (accessToken: string) => (jwt.decode(accessToken) as { ovc?: unknown }).ovc

/** The session works in the rules scope: its area, an STS token, and a signed PUT OSS accepts. */
async function expectTenantAccess(t: TestApp, accessToken: string, user: string, file: string) {
  const areas = await request(t.app).get('/v1/areas?scope=tenants').set(bearer(accessToken)).expect(200)
  expect(areas.body.areas.map((a: { id: string; prefix: string }) => [a.id, a.prefix])).toEqual([['mine', `tenants/acme/${user}/`]])
  const sts = await request(t.app).get('/v1/sts?scope=tenants').set(bearer(accessToken)).expect(200)
  rememberSecrets(sts.body.AccessKeySecret, sts.body.SecurityToken)
  const put = await request(t.app).post('/v1/sign/url').set(bearer(accessToken)).send({ scope: 'tenants', key: `tenants/acme/${user}/${file}`, method: 'PUT' }).expect(200)
  expect((await fetch(put.body.url as string, { method: 'PUT', headers: put.body.headers as Record<string, string>, body: file })).status).toBe(200)
  const other = await request(t.app).post('/v1/sign/url').set(bearer(accessToken)).send({ scope: 'tenants', key: `tenants/other/${user}/${file}`, method: 'GET' })
  expect([other.status, other.body.code]).toEqual([403, 'ERR_ACCESS_DENIED'])
}

describe.each(['memory', 'redis'] as const)('exchanged sessions keep the claims rules read (%s refresh store)', (store) => {
  it('a {claims.tenant} scope works with the session, and again after each refresh', async () => {
    const t = apps[store] as TestApp
    const sub = `${store}-u1`
    const first = await exchange(t, { sub, tenant: 'acme', dept: 'sales' })
    // Only the claim a rules scope names is kept; `dept` is read by no rule.
    expect(carried(first.accessToken)).toEqual({ tenant: 'acme' })
    await expectTenantAccess(t, first.accessToken, `corp.${sub}`, 'one.txt')
    const second = await refresh(t, first)
    expect(carried(second.accessToken)).toEqual({ tenant: 'acme' })
    await expectTenantAccess(t, second.accessToken, `corp.${sub}`, 'two.txt')
    const third = await refresh(t, second)
    await expectTenantAccess(t, third.accessToken, `corp.${sub}`, 'three.txt')
  })

  it('a claim outside the user id characters is not carried: the rule answers 403 as it does for the token itself', async () => {
    const t = apps[store] as TestApp
    for (const [n, tenant] of ['*', 'a/b', 'ACME', 42].entries()) {
      const session = await exchange(t, { sub: `${store}-bad${n}`, tenant })
      expect(carried(session.accessToken)).toBeUndefined()
      for (const token of [session.accessToken, (await refresh(t, session)).accessToken]) {
        const sts = await request(t.app).get('/v1/sts?scope=tenants').set(bearer(token))
        expect([sts.status, sts.body.code, sts.body.reason]).toEqual([403, 'ERR_CLAIM_UNUSABLE', 'claim-missing'])
        // The request id (random hex) may hold "42" by chance; the value must be in no other field.
        const { requestId: _requestId, instance: _instance, ...rest } = sts.body as Record<string, unknown>
        expect(JSON.stringify(rest)).not.toContain(String(tenant))
      }
    }
    expect(capturedLogs.join('\n')).not.toContain('a/b')
    expectNoSecretsLogged()
  })

  it('built-in users signing in carry no claims', async () => {
    const t = apps[store] as TestApp
    const login = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
    rememberSecrets(login.body.accessToken, login.body.refreshToken)
    expect(carried(login.body.accessToken)).toBeUndefined()
    expect(carried((await refresh(t, login.body as Session)).accessToken)).toBeUndefined()
  })
})

describe('Redis refresh families', () => {
  it('a family written before claims were kept (no `claims` field) still refreshes, without claims', async () => {
    const t = apps.redis as TestApp
    const connection = await connectRedis(redis.url, pino({ level: 'silent' }))
    try {
      const old = newRefreshToken()
      const key = `${KEY_PREFIX}refresh:${old.familyId}`
      const expiresAtMs = Date.now() + 3_600_000
      await connection.client.hset(key, { hash: old.secretHash, revoked: '0', user: 'corp.old-user', provider: 'corp', scopes: JSON.stringify(['tenants']), exp: String(expiresAtMs) })
      await connection.client.pexpireat(key, expiresAtMs)
      rememberSecrets(old.token)
      const next = await refresh(t, { accessToken: '', refreshToken: old.token })
      expect(carried(next.accessToken)).toBeUndefined()
      expect((jwt.decode(next.accessToken) as { sub?: string }).sub).toBe('corp.old-user')
      const sts = await request(t.app).get('/v1/sts?scope=tenants').set(bearer(next.accessToken))
      expect([sts.status, sts.body.code, sts.body.reason]).toEqual([403, 'ERR_CLAIM_UNUSABLE', 'claim-missing'])
      // A new family keeps its claims in Redis, read back by the rotation script.
      const fresh = await exchange(t, { sub: 'redis-stored', tenant: 'acme' })
      const familyId = fresh.refreshToken.split('.')[0] as string
      expect(await connection.client.hget(`${KEY_PREFIX}refresh:${familyId}`, 'claims')).toBe('{"tenant":"acme"}')
    } finally {
      await connection.close()
    }
  })
})
