import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

beforeAll(async () => {
  const base = await buildTestApp()
  const { config } = base
  await base.close()
  const inline = {
    rules: [
      { path: 'team/*', id: 'team', access: { authenticated: ['read', 'list'] } },
      { path: 'home/{user}/*', id: 'home', access: { owner: ['read', 'list', 'write', 'delete'] } },
    ],
  }
  t = await buildTestApp({
    auth: { demoUsers: [{ ...DEMO.alice, scopes: ['inline'] }] },
    policies: { ...config.policies, scopes: { ...config.policies.scopes, inline } },
  })
})
afterAll(() => t?.close())

describe('path rules written in the configuration (issue 16 item 1)', () => {
  it('vend, list areas and sign exactly as a rules file does', async () => {
    const alice = (await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)).body.accessToken as string
    rememberSecrets(alice)
    const areas = await request(t.app).get('/v1/areas?scope=inline').set(bearer(alice)).expect(200)
    expect(areas.body.areas.map((a: { prefix: string; verbs: string[] }) => [a.prefix, a.verbs])).toEqual([
      ['team/', ['read', 'list']],
      ['home/alice/', ['read', 'list', 'write', 'delete']],
    ])
    const sts = await request(t.app).get('/v1/sts?scope=inline').set(bearer(alice)).expect(200)
    rememberSecrets(sts.body.AccessKeySecret as string, sts.body.SecurityToken as string)
    expect(sts.body.Placement.Prefix).toBe('home/alice/')
    await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'inline', key: 'home/alice/a.txt', method: 'PUT' }).expect(200)
    const denied = await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'inline', key: 'team/a.txt', method: 'PUT' })
    expect([denied.status, denied.body.code]).toEqual([403, 'ERR_ACCESS_DENIED'])
  })
})
