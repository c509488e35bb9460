import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, capturedLogs, DEMO, type TestApp } from '../helpers/app.js'
import { makeSigningKey, makeTestCa, startOidcProvider, type SigningKey, type TestCa, type TestOidcProvider } from '../helpers/oidc-provider.js'
import { providerSettings, writeCaFile } from '../helpers/providers.js'
import { rememberSecrets } from '../helpers/secrets.js'

let ca: TestCa
let caFile: string
let alpha: TestOidcProvider
let beta: TestOidcProvider
let stranger: TestOidcProvider
let k1: SigningKey
let t: TestApp

async function sts(app: TestApp, token: string, scope = 'read') {
  rememberSecrets(token)
  const res = await request(app.app).get(`/v1/sts?scope=${scope}`).set('authorization', `Bearer ${token}`)
  if (res.status === 200) rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
  return res
}

beforeAll(async () => {
  ca = await makeTestCa()
  caFile = writeCaFile(ca)
  k1 = await makeSigningKey('k1')
  alpha = await startOidcProvider(ca)
  beta = await startOidcProvider(ca)
  stranger = await startOidcProvider(ca)
  for (const p of [alpha, beta, stranger]) p.keys = [k1]
  t = await buildTestApp({
    auth: {
      providers: [
        providerSettings('alpha', alpha.issuer, { jwksUrl: alpha.jwksUrl, caFile }),
        // beta's keys come from its discovery document.
        providerSettings('beta', beta.issuer, {
          caFile,
          scopesClaim: undefined,
          claimScopes: { claim: 'groups', values: { staff: ['read'], editors: ['read', 'write'] } },
          requiredClaims: { email_verified: true },
        }),
      ],
    },
  })
}, 60_000)
afterAll(async () => {
  await t.close()
  for (const p of [alpha, beta, stranger]) await p.close()
})

describe('identity providers', () => {
  it('give two providers issuing the same subject, and a built-in user of that name, three prefixes', async () => {
    const fromAlpha = await sts(t, await alpha.sign({ sub: 'alice', scp: ['read'] }))
    const fromBeta = await sts(t, await beta.sign({ sub: 'alice', groups: ['staff'], email_verified: true }))
    const login = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
    const builtIn = await sts(t, login.body.accessToken as string)
    expect([fromAlpha.status, fromBeta.status, builtIn.status]).toEqual([200, 200, 200])
    expect(fromAlpha.body).toMatchObject({ Placement: { Prefix: 'alpha.alice/', Provider: 'alpha' } })
    expect(fromBeta.body).toMatchObject({ Placement: { Prefix: 'beta.alice/', Provider: 'beta' } })
    expect(builtIn.body).toMatchObject({ Placement: { Prefix: 'alice/', Provider: 'local' } })
    expect(capturedLogs.join('')).toMatch(/"user":"beta\.alice","provider":"beta"/)
  })

  it('hashes subjects that are not plain, so none can be spelled onto another user', async () => {
    const spelled = await sts(t, await alpha.sign({ sub: 'Alice', scp: ['read'] }))
    const email = await sts(t, await alpha.sign({ sub: 'alice@example.com', scp: ['read'] }))
    expect(spelled.body.Placement.Prefix).toMatch(/^alpha\._[0-9a-f]{40}\/$/)
    expect(email.body.Placement.Prefix).toMatch(/^alpha\._[0-9a-f]{40}\/$/)
    expect(spelled.body.Placement.Prefix).not.toBe(email.body.Placement.Prefix)
    // A subject spelled like a hashed id is itself hashed (it starts with "_"), never equal to it.
    const hashPart = (email.body.Placement.Prefix as string).slice('alpha.'.length, -1)
    const forged = await sts(t, await alpha.sign({ sub: hashPart, scp: ['read'] }))
    expect(forged.body.Placement.Prefix).not.toBe(email.body.Placement.Prefix)
  })

  it('maps a groups claim to scopes, and requires the configured claims', async () => {
    const staff = await beta.sign({ sub: 'carol', groups: ['staff'], email_verified: true })
    expect((await sts(t, staff, 'read')).status).toBe(200)
    expect((await sts(t, staff, 'write')).body.code).toBe('ERR_SCOPE_FORBIDDEN')
    const unverified = await sts(t, await beta.sign({ sub: 'carol', groups: ['staff'], email_verified: false }))
    expect([unverified.status, unverified.body.code]).toEqual([401, 'ERR_AUTH_INVALID'])
  })

  it('refuses an unknown issuer, a wrong audience, a missing user claim and a subject outside the characters with 401', async () => {
    const cases = [
      await stranger.sign({ sub: 'alice', scp: ['read'] }),
      await alpha.sign({ sub: 'alice', scp: ['read'] }, { audience: 'another-app' }),
      await alpha.sign({ scp: ['read'] }),
      await alpha.sign({ sub: 'al ice', scp: ['read'] }),
      await alpha.sign({ sub: 'älice', scp: ['read'] }),
      await alpha.sign({ sub: 'a'.repeat(256), scp: ['read'] }),
    ]
    for (const token of cases) {
      const res = await sts(t, token)
      expect([res.status, res.body.code]).toEqual([401, 'ERR_AUTH_INVALID'])
    }
    for (const reason of ['issuer-unknown', 'claim-aud', 'claim-missing', 'claim-charset']) expect(capturedLogs.join('')).toContain(`"reason":"${reason}"`)
  })

  it('exchanges a provider token once for an ossvend session in the provider\'s namespace', async () => {
    const idToken = await alpha.sign({ sub: 'dave', scp: ['read'] })
    rememberSecrets(idToken)
    const first = await request(t.app).post('/v1/token/exchange').send({ subjectToken: idToken }).expect(200)
    rememberSecrets(first.body.accessToken, first.body.refreshToken)
    expect(first.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshToken: expect.any(String) })
    expect((await sts(t, first.body.accessToken as string)).body).toMatchObject({ Placement: { Prefix: 'alpha.dave/', Provider: 'alpha' } })
    const again = await request(t.app).post('/v1/token/exchange').send({ subjectToken: idToken }).expect(401)
    expect(again.body.code).toBe('ERR_AUTH_INVALID')
    // ossvend's own tokens are not provider tokens.
    await request(t.app).post('/v1/token/exchange').send({ subjectToken: first.body.accessToken }).expect(401)
    const refreshed = await request(t.app).post('/v1/token/refresh').send({ refreshToken: first.body.refreshToken }).expect(200)
    rememberSecrets(refreshed.body.accessToken, refreshed.body.refreshToken)
    expect((await sts(t, refreshed.body.accessToken as string)).body.Placement.Prefix).toBe('alpha.dave/')
  })
})
