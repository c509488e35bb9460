import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
let alice: string
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-buckets-'))
  const rules = join(dir, 'multi.json')
  writeFileSync(rules, JSON.stringify({
    rules: [
      { path: 'shared/*', access: { authenticated: ['read', 'list'] } },
      { path: 'media/{user}/*', bucket: 'media-east', id: 'media', access: { owner: ['read', 'list', 'write', 'delete'] } },
      { path: 'logs/{user}/*', bucket: 'logs-east', id: 'logs', access: { owner: ['read', 'list', 'write'] } },
    ],
  }))
  // The role must reach every bucket the scope names: the session can only narrow it.
  const role = join(dir, 'role.json')
  writeFileSync(role, JSON.stringify({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject', 'oss:ListParts', 'oss:AbortMultipartUpload'], Resource: ['acs:oss:*:*:app-base-oss/*', 'acs:oss:*:*:media-east/*', 'acs:oss:*:*:logs-east/*'] },
      { Effect: 'Allow', Action: ['oss:ListObjects', 'oss:ListMultipartUploads'], Resource: ['acs:oss:*:*:app-base-oss', 'acs:oss:*:*:media-east', 'acs:oss:*:*:logs-east'], Condition: { StringLike: { 'oss:Prefix': ['?*/', '?*/*'] } } },
    ],
  }))
  const base = await buildTestApp()
  const { config } = base
  await base.close()
  t = await buildTestApp({
    oss: { ...config.oss, buckets: { 'media-east': { cname: 'https://media.example.com' }, 'logs-east': {} } },
    auth: { demoUsers: [{ ...DEMO.alice, scopes: ['multi'] }] },
    policies: { ...config.policies, scopes: { ...config.policies.scopes, multi: rules }, rolePolicies: [role] },
  })
  alice = (await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)).body.accessToken as string
  rememberSecrets(alice)
})
afterAll(() => t?.close())

describe('a scope spanning buckets of one region (issue 16 item 3)', () => {
  it('lists each bucket\'s area with its endpoint, the custom domain where one is bound', async () => {
    const res = await request(t.app).get('/v1/areas?scope=multi').set(bearer(alice)).expect(200)
    expect(res.body.region).toBe('cn-hangzhou')
    expect(res.body.areas).toEqual([
      { id: 'shared', label: 'Shared', bucket: 'app-base-oss', endpoint: t.deps.ossEndpoint, cname: false, prefix: 'shared/', verbs: ['read', 'list'] },
      { id: 'media', label: 'Media', bucket: 'media-east', endpoint: 'https://media.example.com', cname: true, prefix: 'media/alice/', verbs: ['read', 'list', 'write', 'delete'] },
      { id: 'logs', label: 'Logs', bucket: 'logs-east', endpoint: t.deps.ossEndpoint, cname: false, prefix: 'logs/alice/', verbs: ['read', 'list', 'write'] },
    ])
  })

  it('one STS token reaches every bucket; /v1/sign/url addresses the bucket asked for, at its own host', async () => {
    const put = await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'multi', bucket: 'logs-east', key: 'logs/alice/a.log', method: 'PUT', contentType: 'text/plain' }).expect(200)
    const url = new URL(put.body.url as string)
    expect(url.host.startsWith('logs-east.')).toBe(true)
    expect((await fetch(url, { method: 'PUT', headers: put.body.headers as Record<string, string>, body: 'log line' })).status).toBe(200)
    const get = await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'multi', bucket: 'logs-east', key: 'logs/alice/a.log', method: 'GET' }).expect(200)
    expect(await (await fetch(get.body.url as string)).text()).toBe('log line')
    // The same key in the default bucket, or a verb the rule does not grant: 403 from the policy.
    const elsewhere = await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'multi', key: 'logs/alice/a.log', method: 'GET' })
    expect([elsewhere.status, elsewhere.body.code]).toEqual([403, 'ERR_ACCESS_DENIED'])
    const noDelete = await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'multi', bucket: 'logs-east', key: 'logs/alice/a.log', method: 'DELETE' })
    expect([noDelete.status, noDelete.body.code]).toEqual([403, 'ERR_ACCESS_DENIED'])
    const unknown = await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'multi', bucket: 'nowhere', key: 'logs/alice/a.log', method: 'GET' })
    expect([unknown.status, unknown.body.errors?.[0]?.code]).toEqual([400, 'sign.bucket-unknown'])
  })

  it('signs URLs and forms for a custom domain: the domain\'s host, the bucket in the signature', async () => {
    const put = await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ scope: 'multi', bucket: 'media-east', key: 'media/alice/cat.txt', method: 'PUT', contentType: 'text/plain' }).expect(200)
    const url = new URL(put.body.url as string)
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe('https://media.example.com/media/alice/cat.txt')
    // The domain is bound to the bucket, so the same signature is good at the bucket's own host
    // (the sandbox stands in for OSS behind the domain).
    const atBucket = `${t.deps.ossEndpoint.replace('//', '//media-east.')}${url.pathname}${url.search}`
    expect((await fetch(atBucket, { method: 'PUT', headers: put.body.headers as Record<string, string>, body: 'meow' })).status).toBe(200)
    const form = await request(t.app).post('/v1/sign/post').set(bearer(alice)).send({ scope: 'multi', bucket: 'media-east', dir: 'media/alice/' }).expect(200)
    expect(form.body.host).toBe('https://media.example.com')
    expect(form.body.fields.find((f: { name: string }) => f.name === 'policy')).toBeDefined()
    const sts = await request(t.app).get('/v1/sts?scope=multi').set(bearer(alice)).expect(200)
    rememberSecrets(sts.body.AccessKeySecret, sts.body.SecurityToken)
    const simulated = await request(t.app).post('/v1/simulate').set(bearer(alice)).send({ scope: 'multi', bucket: 'media-east', operation: 'DeleteObject', key: 'media/alice/cat.txt' }).expect(200)
    expect(simulated.body.decision).toBe('Allow')
  })
})
