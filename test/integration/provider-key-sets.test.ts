import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
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

async function signed(t: TestApp, idp: TestOidcProvider, key: SigningKey = k1, sub = 'erin'): Promise<string> {
  const token = await idp.sign({ sub, scp: ['read'] }, { key, now: t.deps.clock().getTime() })
  rememberSecrets(token)
  return token
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
      // An unknown kid refetches, after the (1 s) cooldown since the last fetch, on the app's clock.
      t.advance(1100)
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

  it('honour the unknown-kid cooldown on the app\'s clock, not the wall clock', async () => {
    const { idp, t, close } = await setup({ jwksCooldownSec: 30 })
    try {
      expect(await status(t, idp, k1)).toEqual([200, undefined])
      expect(idp.jwksFetches()).toBe(1)
      idp.keys = [k1, k2]
      // Within the cooldown an unknown kid is refused without asking the provider...
      t.advance(29_000)
      expect(await status(t, idp, k2)).toEqual([401, 'ERR_AUTH_INVALID'])
      expect(idp.jwksFetches()).toBe(1)
      // ...and once it has passed (no wall-clock time has), the set is refetched and the key found.
      t.advance(1_000)
      expect(await status(t, idp, k2)).toEqual([200, undefined])
      expect(idp.jwksFetches()).toBe(2)
      // A kid the provider does not list at all: one refetch per cooldown, no more.
      const k3 = await makeSigningKey('k3')
      t.advance(30_000)
      expect(await status(t, idp, k3)).toEqual([401, 'ERR_AUTH_INVALID'])
      expect(await status(t, idp, k3)).toEqual([401, 'ERR_AUTH_INVALID'])
      expect(idp.jwksFetches()).toBe(3)
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
      for (const [i, body] of bad.entries()) {
        idp.rawJwks = body
        const res = await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${await signed(t, idp)}`)
        expect([res.status, res.body.code]).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="ossvend", error="invalid_token"/)
        // Each request fetched again: a refused answer is neither kept nor starts a cooldown.
        expect(idp.jwksFetches()).toBe(i + 1)
      }
      // Nothing was kept: the next good answer is fetched and used.
      idp.rawJwks = undefined
      expect(await status(t, idp, k1)).toEqual([200, undefined])
      expect(idp.jwksFetches()).toBe(bad.length + 1)
    } finally {
      await close()
    }
  })

  it('refuse with 401 while the key set is unreachable, fetching again on the next request', async () => {
    // A host that takes the connection and drops it at once.
    let attempts = 0
    const dropper: Server = createServer((socket) => {
      attempts++
      socket.destroy()
    })
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve))
    const idp = await startOidcProvider(ca)
    idp.keys = [k1]
    const t = await buildTestApp({ auth: { providers: [providerSettings('idp', idp.issuer, { jwksUrl: `https://127.0.0.1:${(dropper.address() as AddressInfo).port}/jwks`, caFile })] } })
    try {
      expect(await status(t, idp, k1)).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
      expect(await status(t, idp, k1)).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
      expect(attempts).toBe(2)
    } finally {
      await t.close()
      await idp.close()
      await new Promise((resolve) => dropper.close(resolve))
    }
  })

  it('refuse with 401 a discovered key set that is not https, keeping nothing', async () => {
    const idp = await startOidcProvider(ca)
    idp.keys = [k1]
    idp.discoveryJwksUri = idp.jwksUrl.replace('https:', 'http:')
    const t = await buildTestApp({ auth: { providers: [providerSettings('idp', idp.issuer, { caFile })] } })
    try {
      expect(await status(t, idp, k1)).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
      expect(idp.jwksFetches()).toBe(0)
      // The discovery is not kept either: once the provider serves an https jwks_uri, it is used.
      idp.discoveryJwksUri = undefined
      expect(await status(t, idp, k1)).toEqual([200, undefined])
    } finally {
      await t.close()
      await idp.close()
    }
  })

  it('answer 401 ERR_IDP_UNAVAILABLE while the provider fails with no usable keys, and recover without a restart', async () => {
    const { idp, t, close } = await setup({ jwksMaxAgeSec: 60 })
    try {
      idp.jwksStatus = 500
      expect(await status(t, idp, k1)).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
      idp.jwksStatus = 200
      expect(await status(t, idp, k1)).toEqual([200, undefined])
      // Down after a good fetch: keys are used up to their maximum age, then no longer.
      idp.jwksStatus = 500
      t.advance(50_000)
      expect(await status(t, idp, k1, 'frank')).toEqual([200, undefined])
      t.advance(11_000)
      expect(await status(t, idp, k1, 'frank2')).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
    } finally {
      await close()
    }
  })

  it('refuse a key set served by a host the CA does not vouch for', async () => {
    const idp = await startOidcProvider(ca)
    idp.keys = [k1]
    const t = await buildTestApp({ auth: { providers: [providerSettings('idp', idp.issuer, { jwksUrl: idp.jwksUrl })] } })
    try {
      expect(await status(t, idp, k1)).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
      expect(idp.jwksFetches()).toBe(0)
    } finally {
      await t.close()
      await idp.close()
    }
  })
})
