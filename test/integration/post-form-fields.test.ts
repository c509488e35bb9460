import { createRequire } from 'node:module'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

const require = createRequire(import.meta.url)
const OSS = require('ali-oss') as new (o: object) => { head(name: string): Promise<unknown> }

let t: TestApp
let token: string
beforeAll(async () => {
  t = await buildTestApp({ sign: { callback: false } })
  token = (await request(t.app).post('/v1/login').send(DEMO.alice)).body.accessToken
  rememberSecrets(token, DEMO.alice.password)
})
afterAll(() => t.close())

interface Form { host: string; fields: { name: string; value: string }[] }

async function signPost(body: object): Promise<Form> {
  const res = await request(t.app).post('/v1/sign/post').set('authorization', `Bearer ${token}`).send(body).expect(200)
  for (const f of res.body.fields as Form['fields']) if (f.name === 'x-oss-security-token') rememberSecrets(f.value)
  return res.body as Form
}

/** What a browser does with the form, plus whatever fields a hostile page adds before the file. */
async function post(form: Form, name: string, extra: [string, string][] = []) {
  const body = new FormData()
  for (const f of form.fields) body.append(f.name, f.value)
  for (const [k, v] of extra) body.append(k, v)
  body.append('file', new Blob([Buffer.from('hello')], { type: 'text/plain' }), name)
  const res = await fetch(form.host, { method: 'POST', body })
  return { status: res.status, text: await res.text() }
}

async function exists(key: string): Promise<boolean> {
  const sts = (await request(t.app).get('/v1/sts?scope=read-write').set('authorization', `Bearer ${token}`).expect(200)).body as Record<string, string> & { Placement: Record<string, string> }
  rememberSecrets(sts.AccessKeySecret, sts.SecurityToken)
  const client = new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, endpoint: sts.Placement.Endpoint, bucket: sts.Placement.Bucket, region: `oss-${sts.Placement.Region}`, secure: false })
  return client.head(key).then(() => true, (e: { code?: string }) => (e.code === 'NoSuchKey' ? false : Promise.reject(e)))
}

describe('a signed form carries only what the policy names', () => {
  for (const version of ['v4', 'v1'] as const) {
    it(`${version}: an added x-oss-object-acl: public-read-write is refused and nothing is stored`, async () => {
      const form = await signPost({ dir: `alice/acl-${version}/`, version })
      const refused = await post(form, 'open.txt', [['x-oss-object-acl', 'public-read-write']])
      expect(refused.status).toBe(403)
      expect(refused.text).toContain('<Code>AccessDenied</Code>')
      expect(refused.text).toContain('Extra input fields: x-oss-object-acl')
      expect(await exists(`alice/acl-${version}/open.txt`)).toBe(false)
      // Anonymous readers get nothing either.
      expect((await fetch(`${form.host}/alice/acl-${version}/open.txt`)).status).toBe(403)
      // The same form without the extra field works.
      expect((await post(form, 'plain.txt')).status).toBe(200)
      expect(await exists(`alice/acl-${version}/plain.txt`)).toBe(true)
      expect((await fetch(`${form.host}/alice/acl-${version}/plain.txt`)).status).toBe(403)
    })
  }

  it('refuses any other x-oss-* field the policy does not name, in any letter case', async () => {
    const form = await signPost({ dir: 'alice/extra/' })
    for (const field of [['X-OSS-Object-Acl', 'public-read'], ['x-oss-meta-owner', 'bob'], ['x-oss-forbid-overwrite', 'false'], ['x-oss-storage-class', 'Archive'], ['x-oss-tagging', 'a=b']] as [string, string][]) {
      const res = await post(form, 'x.txt', [field])
      expect(res.status, field[0]).toBe(403)
      expect(res.text).toContain(`Extra input fields: ${field[0].toLowerCase()}`)
    }
    expect(await exists('alice/extra/x.txt')).toBe(false)
  })

  for (const version of ['v4', 'v1'] as const) {
    it(`${version}: a signed PUT URL refuses an added x-oss-object-acl header (x-oss-* headers are signed)`, async () => {
      const res = await request(t.app).post('/v1/sign/url').set('authorization', `Bearer ${token}`).send({ key: `alice/put-${version}.txt`, method: 'PUT', contentType: 'text/plain', version }).expect(200)
      rememberSecrets(new URL(res.body.url).searchParams.get('x-oss-security-token') ?? new URL(res.body.url).searchParams.get('security-token') ?? undefined)
      const put = (extra: Record<string, string>) => fetch(res.body.url, { method: 'PUT', headers: { ...res.body.headers, ...extra }, body: 'hi' })
      const refused = await put({ 'x-oss-object-acl': 'public-read-write' })
      expect(refused.status).toBe(403)
      expect(await exists(`alice/put-${version}.txt`)).toBe(false)
      expect((await put({})).status).toBe(200)
    })
  }
})
