import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { makeSigningKey, makeTestCa, startOidcProvider, type SigningKey, type TestCa, type TestOidcProvider } from '../helpers/oidc-provider.js'
import { providerSettings, writeCaFile } from '../helpers/providers.js'
import { rememberSecrets } from '../helpers/secrets.js'

let ca: TestCa
let caFile: string
let k1: SigningKey
let k2: SigningKey

beforeAll(async () => {
  ca = await makeTestCa()
  caFile = writeCaFile(ca)
  k1 = await makeSigningKey('k1')
  k2 = await makeSigningKey('k2', 'RS256')
}, 60_000)

/** One provider and an app trusting it; the app's clock moves with `t.advance`. */
async function setup(patch: Parameters<typeof providerSettings>[2] = {}): Promise<{ idp: TestOidcProvider; t: TestApp; close(): Promise<void> }> {
  const idp = await startOidcProvider(ca)
  idp.keys = [k1]
  const t = await buildTestApp({ auth: { providers: [providerSettings('idp', idp.issuer, { jwksUrl: idp.jwksUrl, caFile, jwksCooldownSec: 1, ...patch })] } })
  return { idp, t, close: async () => { await t.close(); await idp.close() } }
}

async function status(t: TestApp, idp: TestOidcProvider, key: SigningKey, sub = 'erin'): Promise<[number, string | undefined]> {
  // The provider signs at the app's time, so tokens stay valid while the test moves the clock.
  const token = await idp.sign({ sub, scp: ['read'] }, { key, now: t.deps.clock().getTime() })
  rememberSecrets(token)
  const res = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${token}`)
  if (res.status === 200) rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
  return [res.status, res.body.code as string | undefined]
}

describe('provider key sets', () => {
  it('accept a newly published key, and refuse a removed one once the maximum age has passed', async () => {
    const { idp, t, close } = await setup({ jwksMaxAgeSec: 60 })
    try {
      expect(await status(t, idp, k1)).toEqual([200, undefined])
      idp.keys = [k1, k2]
      // An unknown kid refetches, after the (1 s) cooldown since the last fetch.
      await new Promise((r) => setTimeout(r, 1100))
      expect(await status(t, idp, k2)).toEqual([200, undefined])
      idp.keys = [k2]
      // Within the maximum age the set is not refetched for a known kid...
      expect(await status(t, idp, k1, 'erin2')).toEqual([200, undefined])
      // ...and after it, the removed key is refused and the new one still accepted.
      t.advance(61_000)
      expect(await status(t, idp, k1, 'erin3')).toEqual([401, 'ERR_AUTH_INVALID'])
      expect(await status(t, idp, k2, 'erin3')).toEqual([200, undefined])
    } finally {
      await close()
    }
  })

  it('refetch in the background from 80 % of the maximum age, shortened by Cache-Control but never below 10 s', async () => {
    const { idp, t, close } = await setup({ jwksMaxAgeSec: 600 })
    try {
      idp.cacheControl = 'public, max-age=30'
      await status(t, idp, k1)
      expect(idp.jwksFetches()).toBe(1)
      t.advance(20_000)
      await status(t, idp, k1)
      expect(idp.jwksFetches()).toBe(1)
      t.advance(5_000)
      await status(t, idp, k1)
      await new Promise((r) => setTimeout(r, 200))
      expect(idp.jwksFetches()).toBe(2)
      idp.cacheControl = 'max-age=1'
      t.advance(31_000)
      await status(t, idp, k1)
      expect(idp.jwksFetches()).toBe(3)
      t.advance(5_000)
      await status(t, idp, k1)
      expect(idp.jwksFetches()).toBe(3)
      t.advance(6_000)
      await status(t, idp, k1)
      expect(idp.jwksFetches()).toBe(4)
    } finally {
      await close()
    }
  })

  it('refuse a key set with duplicate kids, too many keys or too many bytes with 401, keeping nothing of it', async () => {
    const { idp, t, close } = await setup({ jwksMaxKeys: 3, jwksMaxBytes: 4096 })
    try {
      const bad = [
        JSON.stringify({ keys: [k1.jwk, { ...k2.jwk, kid: 'k1' }] }),
        JSON.stringify({ keys: [k1.jwk, { ...k2.jwk, kid: 'a' }, { ...k2.jwk, kid: 'b' }, { ...k2.jwk, kid: 'c' }] }),
        JSON.stringify({ keys: [k1.jwk], padding: 'x'.repeat(8192) }),
        JSON.stringify({ keys: { k1: k1.jwk } }),
        'not json',
      ]
      for (const body of bad) {
        idp.rawJwks = body
        expect(await status(t, idp, k1)).toEqual([401, 'ERR_AUTH_INVALID'])
      }
      // Nothing was kept: the next good answer is fetched and used.
      idp.rawJwks = undefined
      expect(await status(t, idp, k1)).toEqual([200, undefined])
    } finally {
      await close()
    }
  })

  it('answer 503 while the provider is unreachable with no usable keys, and recover without a restart', async () => {
    const { idp, t, close } = await setup({ jwksMaxAgeSec: 60 })
    try {
      idp.jwksStatus = 500
      expect(await status(t, idp, k1)).toEqual([503, 'ERR_IDP_UNAVAILABLE'])
      idp.jwksStatus = 200
      expect(await status(t, idp, k1)).toEqual([200, undefined])
      // Down after a good fetch: keys are used up to their maximum age, then no longer.
      idp.jwksStatus = 500
      t.advance(50_000)
      expect(await status(t, idp, k1, 'frank')).toEqual([200, undefined])
      t.advance(11_000)
      expect(await status(t, idp, k1, 'frank2')).toEqual([503, 'ERR_IDP_UNAVAILABLE'])
    } finally {
      await close()
    }
  })

  it('refuse a key set served by a host the CA does not vouch for', async () => {
    const idp = await startOidcProvider(ca)
    idp.keys = [k1]
    const t = await buildTestApp({ auth: { providers: [providerSettings('idp', idp.issuer, { jwksUrl: idp.jwksUrl })] } })
    try {
      expect(await status(t, idp, k1)).toEqual([503, 'ERR_IDP_UNAVAILABLE'])
      expect(idp.jwksFetches()).toBe(0)
    } finally {
      await t.close()
      await idp.close()
    }
  })
})
