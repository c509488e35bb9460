import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { makeSigningKey, makeTestCa, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js'
import { providerSettings, writeCaFile } from '../helpers/providers.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
let corp: TestOidcProvider

beforeAll(async () => {
  const ca = await makeTestCa()
  corp = await startOidcProvider(ca)
  corp.keys = [await makeSigningKey('k1')]
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-claims-'))
  const rules = join(dir, 'teams.json')
  writeFileSync(rules, JSON.stringify({
    rules: [
      { path: 'teams/{claims.team}/*', id: 'team', access: { authenticated: ['read', 'list', 'write'] } },
      { path: 'home/{user}/*', id: 'home', access: { owner: ['read', 'list', 'write', 'delete'] } },
    ],
  }))
  const base = await buildTestApp()
  const { config } = base
  await base.close()
  t = await buildTestApp({
    auth: { providers: [providerSettings('corp', corp.issuer, { jwksUrl: corp.jwksUrl, caFile: writeCaFile(ca) })] },
    policies: { ...config.policies, scopes: { ...config.policies.scopes, teams: rules } },
  })
}, 60_000)
afterAll(async () => {
  await t?.close()
  await corp?.close()
})

const bearer = (token: string) => {
  rememberSecrets(token)
  return { authorization: `Bearer ${token}` }
}

describe('path rules with {claims.NAME} (issue 16 item 1)', () => {
  it('fills the claim from the identity token: the team\'s area, and nothing of another team', async () => {
    const red = await corp.sign({ sub: 'u1', scp: ['teams'], team: 'red' })
    const areas = await request(t.app).get('/v1/areas?scope=teams').set(bearer(red)).expect(200)
    expect(areas.body.areas.map((a: { id: string; prefix: string }) => [a.id, a.prefix])).toEqual([['team', 'teams/red/'], ['home', 'home/corp.u1/']])
    const sts = await request(t.app).get('/v1/sts?scope=teams').set(bearer(red)).expect(200)
    rememberSecrets(sts.body.AccessKeySecret, sts.body.SecurityToken)
    const put = await request(t.app).post('/v1/sign/url').set(bearer(red)).send({ scope: 'teams', key: 'teams/red/plan.txt', method: 'PUT' }).expect(200)
    expect((await fetch(put.body.url as string, { method: 'PUT', headers: put.body.headers as Record<string, string>, body: 'plan' })).status).toBe(200)
    const other = await request(t.app).post('/v1/sign/url').set(bearer(red)).send({ scope: 'teams', key: 'teams/blue/plan.txt', method: 'GET' })
    expect([other.status, other.body.code]).toEqual([403, 'ERR_ACCESS_DENIED'])
  })

  it('a missing or unsafe claim: 403 ERR_CLAIM_UNUSABLE with its reason, the value never echoed', async () => {
    const none = await request(t.app).get('/v1/sts?scope=teams').set(bearer(await corp.sign({ sub: 'u2', scp: ['teams'] })))
    expect([none.status, none.body.code, none.body.reason]).toEqual([403, 'ERR_CLAIM_UNUSABLE', 'claim-missing'])
    for (const team of ['*', 'red/blue', '..', 'R\u0435D-team-with-look-alike']) {
      const bad = await request(t.app).get('/v1/areas?scope=teams').set(bearer(await corp.sign({ sub: 'u3', scp: ['teams'], team })))
      expect([bad.status, bad.body.code, bad.body.reason]).toEqual([403, 'ERR_CLAIM_UNUSABLE', 'claim-charset'])
      expect(bad.text).not.toContain(team)
    }
    const sign = await request(t.app).post('/v1/sign/url').set(bearer(await corp.sign({ sub: 'u4', scp: ['teams'], team: 42 }))).send({ scope: 'teams', key: 'home/corp.u4/a.txt', method: 'GET' })
    expect([sign.status, sign.body.code]).toEqual([403, 'ERR_CLAIM_UNUSABLE'])
  })
})
