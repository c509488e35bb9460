import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyRequest, type ReceivedRequest } from '../../src/oss/verify.js'
import { verifyPostForm } from '../../src/oss/verify-post.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
let alice: string
let reader: string

/** What OSS knows: the credentials the sandbox STS issued. */
const lookup = (id: string) => {
  const c = t.sts.store.get(id)
  return c ? { accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, expiresAt: c.expiresAt } : undefined
}

/** A signed URL as the sandbox OSS receives it (virtual-hosted: bucket.localhost:port/key). */
function asReceived(url: string, method: string, headers: Record<string, string> = {}): ReceivedRequest {
  const u = new URL(url)
  const bucket = u.hostname.split('.')[0] as string
  const rest = u.pathname.slice(1).split('/')
  const query: Record<string, string | null> = {}
  for (const [k, v] of u.searchParams) query[k] = v
  return { method, bucket, key: decodeURIComponent(rest.join('/')), query, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) }
}

beforeAll(async () => {
  t = await buildTestApp({ auth: { demoUsers: [
    { username: 'alice', password: DEMO.alice.password, scopes: ['read', 'write', 'read-write'] },
    { username: 'rita', password: 'rita-sandbox-pw', scopes: ['read'] },
  ] } })
  alice = (await request(t.app).post('/v1/login').send(DEMO.alice)).body.accessToken
  reader = (await request(t.app).post('/v1/login').send({ username: 'rita', password: 'rita-sandbox-pw' })).body.accessToken
  rememberSecrets(alice, reader, DEMO.alice.password)
})

const signUrl = (token: string, body: object) => request(t.app).post('/v1/sign/url').set('authorization', `Bearer ${token}`).send(body)
const signPost = (token: string, body: object) => request(t.app).post('/v1/sign/post').set('authorization', `Bearer ${token}`).send(body)

describe('POST /v1/sign/url', () => {
  it('signs a GET for the user\'s own key with their scoped STS credentials (V4 by default)', async () => {
    const res = await signUrl(alice, { key: 'alice/photo.jpg', method: 'GET', expiresIn: 600 }).expect(200)
    expect(res.body).toMatchObject({ method: 'GET', headers: {}, expiresIn: 600, version: 'v4' })
    const url = new URL(res.body.url)
    // Virtual-hosted on the advertised endpoint (http://localhost:PORT), as on real OSS.
    expect(`${url.protocol}//${url.host}`).toBe(t.deps.ossEndpoint.replace('//', '//app-base-oss.'))
    expect(url.pathname).toBe('/alice/photo.jpg')
    expect(url.searchParams.get('x-oss-security-token')).toBeTruthy()
    rememberSecrets(url.searchParams.get('x-oss-security-token') ?? undefined)
    expect(verifyRequest(asReceived(res.body.url, 'GET'), lookup, new Date(), 'cn-hangzhou')).toMatchObject({ ok: true, signedUrl: true })
    // The same URL cannot be used to write, or for another key.
    expect(verifyRequest(asReceived(res.body.url, 'PUT'), lookup, new Date(), 'cn-hangzhou').ok).toBe(false)
  })

  it('lists the headers a PUT must send, signed consistently', async () => {
    const res = await signUrl(alice, { key: 'alice/up.png', method: 'PUT', contentType: 'image/png' }).expect(200)
    expect(res.body.headers).toEqual({ 'Content-Type': 'image/png' })
    expect(verifyRequest(asReceived(res.body.url, 'PUT', res.body.headers), lookup, new Date(), 'cn-hangzhou').ok).toBe(true)
    expect(verifyRequest(asReceived(res.body.url, 'PUT', {}), lookup, new Date(), 'cn-hangzhou').ok).toBe(false)
    const dflt = await signUrl(alice, { key: 'alice/blob', method: 'PUT' }).expect(200)
    expect(dflt.body.headers).toEqual({ 'Content-Type': 'application/octet-stream' })
  })

  it('signs V1 on request, with response overrides and image processing for GET', async () => {
    const res = await signUrl(alice, { key: 'alice/x.jpg', method: 'GET', version: 'v1', response: { contentDisposition: 'attachment; filename="x.jpg"' }, process: 'image/resize,w_200' }).expect(200)
    const url = new URL(res.body.url)
    expect(url.searchParams.get('OSSAccessKeyId')).toMatch(/^STS\./)
    expect(url.searchParams.get('response-content-disposition')).toBe('attachment; filename="x.jpg"')
    expect(url.searchParams.get('x-oss-process')).toBe('image/resize,w_200')
    expect(verifyRequest(asReceived(res.body.url, 'GET'), lookup, new Date(), 'cn-hangzhou')).toMatchObject({ ok: true, version: 'v1' })
  })

  it('caps the lifetime by method and by the credentials\' remaining life', async () => {
    // 900-second credentials, so the credentials' life is shorter than GET's 3600 s cap.
    const short = await buildTestApp({ sts: { durationSec: 900 } })
    try {
      const login = await request(short.app).post('/v1/login').send(DEMO.alice).expect(200)
      rememberSecrets(login.body.accessToken)
      const sign = (body: object) => request(short.app).post('/v1/sign/url').set('authorization', `Bearer ${login.body.accessToken as string}`).send(body)
      const put = await sign({ key: 'alice/a', method: 'PUT', expiresIn: 86400 }).expect(200)
      // 900 s for PUT, and never past the 900-second credentials' remaining life.
      expect(put.body.expiresIn).toBeGreaterThan(880)
      expect(put.body.expiresIn).toBeLessThanOrEqual(900)
      const get = await sign({ key: 'alice/a', method: 'GET', expiresIn: 7 * 86400 }).expect(200)
      expect(get.body.expiresIn).toBeLessThanOrEqual(900)
      expect(Date.parse(get.body.expiresAt)).toBeLessThanOrEqual(Date.now() + 900_000)
    } finally {
      await short.close()
    }
  })

  it('refuses keys outside the prefix with 400 ERR_KEY_OUTSIDE_PREFIX, and what the policy denies with 403, never the policy', async () => {
    for (const key of ['bob/photo.jpg', 'test.txt', 'alice', 'alice2/x', 'alicex/y']) {
      const res = await signUrl(alice, { key, method: 'GET' }).expect(400)
      expect(res.body).toMatchObject({ code: 'ERR_KEY_OUTSIDE_PREFIX', detail: 'key must be a full object key under your prefix "alice/"' })
      expect(JSON.stringify(res.body)).not.toMatch(/acs:oss|Statement/)
    }
    const readOnly = await signUrl(reader, { key: 'rita/a.txt', method: 'PUT', scope: 'read' }).expect(403)
    expect(readOnly.body.code).toBe('ERR_ACCESS_DENIED')
    await signUrl(reader, { key: 'rita/a.txt', method: 'GET', scope: 'read' }).expect(200)
  })

  it.each([
    ['../bob/x', 'key.dot-segment'],
    ['alice/../bob/x', 'key.dot-segment'],
    ['/alice/x', 'key.leading-slash'],
    ['alice/%2F..%2Fbob', 'key.percent'],
    ['alice/a\u0000b', 'key.control-character'],
    ['alice/a\nb', 'key.control-character'],
    ['alice\\x', 'key.backslash'],
    ['alice//x', 'key.empty-segment'],
    [`alice/${'x'.repeat(1100)}`, 'key.too-long'],
  ])('refuses the key %j with %s', async (key, code) => {
    const res = await signUrl(alice, { key, method: 'GET' }).expect(400)
    expect(res.body).toMatchObject({ code: 'ERR_REQUEST_INVALID', errors: [expect.objectContaining({ pointer: '/key', code })] })
  })

  it('refuses method-specific options on the wrong method, and unknown fields', async () => {
    await signUrl(alice, { key: 'alice/a', method: 'PUT', process: 'image/resize,w_1' }).expect(400)
    await signUrl(alice, { key: 'alice/a', method: 'GET', contentType: 'text/html' }).expect(400)
    await signUrl(alice, { key: 'alice/a', method: 'POST' }).expect(400)
    await signUrl(alice, { key: 'alice/a', method: 'GET', subResource: { acl: '' } }).expect(400)
    await request(t.app).post('/v1/sign/url').send({ key: 'alice/a', method: 'GET' }).expect(401)
  })
})

describe('POST /v1/sign/url with process', () => {
  const ref = (key: string) => Buffer.from(key).toString('base64url')

  it('signs only the image operations the configuration lists', async () => {
    const ok = await signUrl(alice, { key: 'alice/p.jpg', method: 'GET', process: 'image/resize,w_100/quality,q_80' }).expect(200)
    expect(new URL(ok.body.url).searchParams.get('x-oss-process')).toBe('image/resize,w_100/quality,q_80')
    const refused = await signUrl(alice, { key: 'alice/p.jpg', method: 'GET', process: 'image/blur,r_3,s_2' }).expect(400)
    expect(refused.body.errors[0]).toMatchObject({ pointer: '/process', code: 'sign.process' })
  })

  it('never signs a watermark naming another user\'s object, even where watermarks are allowed', async () => {
    const res = await signUrl(alice, { key: 'alice/p.jpg', method: 'GET', process: `image/watermark,image_${ref('bob/x')}` }).expect(400)
    expect(res.body.errors[0]).toMatchObject({ pointer: '/process', code: 'sign.process' })
    const marked = await buildTestApp({ sign: { processOperations: ['resize', 'watermark'] } })
    try {
      const token = (await request(marked.app).post('/v1/login').send(DEMO.alice)).body.accessToken
      const sign = (process: string) => request(marked.app).post('/v1/sign/url').set('authorization', `Bearer ${token}`).send({ key: 'alice/p.jpg', method: 'GET', process })
      await sign(`image/watermark,image_${ref('alice/logo.png')}`).expect(200)
      expect((await sign(`image/watermark,image_${ref('bob/x')}`).expect(400)).body.errors[0].code).toBe('sign.process')
      await sign(`image/watermark,image_${ref('alice/../bob/x')}`).expect(400)
    } finally {
      await marked.close()
    }
  })
})

describe('POST /v1/sign/post', () => {
  it('gives a V4 form for a directory under the prefix, fields in send order, verifiable', async () => {
    const res = await signPost(alice, { dir: 'alice/photos/', maxSize: 1024, contentTypes: ['image/png'] }).expect(200)
    expect(res.body).toMatchObject({ host: t.deps.ossEndpoint.replace('//', '//app-base-oss.'), dir: 'alice/photos/', version: 'v4', maxSize: 1024, contentTypes: ['image/png'] })
    const names = res.body.fields.map((f: { name: string }) => f.name)
    expect(names.slice(0, 6)).toEqual(['key', 'policy', 'x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-signature'])
    expect(names).toEqual(expect.arrayContaining(['x-oss-security-token', 'success_action_status', 'callback']))
    const fields = Object.fromEntries(res.body.fields.map((f: { name: string; value: string }) => [f.name, f.value.replace('${filename}', 'cat.png')]))
    rememberSecrets(fields['x-oss-security-token'])
    const policy = JSON.parse(Buffer.from(fields.policy, 'base64').toString()) as { expiration: string; conditions: unknown[] }
    expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(600_000)
    expect(policy.conditions).toEqual(expect.arrayContaining([['starts-with', '$key', 'alice/photos/'], ['content-length-range', 1, 1024], ['eq', '$success_action_status', '200'], ['in', '$content-type', ['image/png']]]))
    const upload = (extra: Record<string, string>, size = 10) => verifyPostForm({ bucket: 'app-base-oss', fields: { ...fields, 'Content-Type': 'image/png', ...extra }, fileSize: size }, lookup, new Date(), 'cn-hangzhou')
    expect(upload({})).toMatchObject({ ok: true, key: 'alice/photos/cat.png' })
    expect(upload({ key: 'bob/cat.png' }).ok).toBe(false)
    expect(upload({}, 2048)).toMatchObject({ ok: false, code: 'EntityTooLarge' })
    expect(upload({ 'Content-Type': 'text/html' }).ok).toBe(false)
  })

  it('gives a V1 form, and an exact key form', async () => {
    const v1 = await signPost(alice, { version: 'v1' }).expect(200)
    expect(v1.body.fields.map((f: { name: string }) => f.name).slice(0, 4)).toEqual(['key', 'policy', 'OSSAccessKeyId', 'Signature'])
    const exact = await signPost(alice, { key: 'alice/docs/report.pdf' }).expect(200)
    expect(exact.body.key).toBe('alice/docs/report.pdf')
    expect(exact.body.fields[0]).toEqual({ name: 'key', value: 'alice/docs/report.pdf' })
  })

  it('answers in the flat shape of Alibaba\'s web samples on request', async () => {
    const res = await signPost(alice, { format: 'sample', dir: 'alice/web/' }).expect(200)
    expect(Object.keys(res.body).sort()).toEqual(['accessid', 'callback', 'dir', 'expire', 'host', 'policy', 'securityToken', 'signature'])
    expect(res.body.dir).toBe('alice/web/')
    expect(typeof res.body.expire).toBe('number')
    expect(res.body.accessid).toMatch(/^STS\./)
  })

  it('refuses escapes from the prefix, oversize limits and content types outside the allowlist', async () => {
    for (const body of [{ dir: 'alice/../bob/' }, { dir: 'alice/x' }, { dir: 'alice//abs/' }, { key: 'alice/../x' }, { key: 'alice/a/../../b' }, { dir: 'alice/a/', key: 'alice/b' }, { maxSize: 2 * 1024 * 1024 * 1024 }]) {
      const res = await signPost(alice, body).expect(400)
      expect(res.body.code).toBe('ERR_REQUEST_INVALID')
    }
    // Keys are full keys in every route: a relative one, or another user's, is refused, never rewritten.
    for (const body of [{ dir: '../bob/' }, { dir: 'web/' }, { dir: '/abs/' }, { key: 'docs/report.pdf' }, { key: 'bob/x' }, { dir: 'alicex/' }]) {
      const res = await signPost(alice, body).expect(400)
      expect(res.body.code).toBe('ERR_KEY_OUTSIDE_PREFIX')
    }
    const strict = await buildTestApp({ sign: { contentTypes: ['image/png', 'image/jpeg'] } })
    try {
      const token = (await request(strict.app).post('/v1/login').send(DEMO.alice)).body.accessToken
      const res = await request(strict.app).post('/v1/sign/post').set('authorization', `Bearer ${token}`).send({ contentTypes: ['text/html'] }).expect(400)
      expect(res.body.errors[0]).toMatchObject({ pointer: '/contentTypes', code: 'sign.content-type' })
      const dflt = await request(strict.app).post('/v1/sign/post').set('authorization', `Bearer ${token}`).send({}).expect(200)
      expect(dflt.body.contentTypes).toEqual(['image/png', 'image/jpeg'])
    } finally {
      await strict.close()
    }
  })

  it('binds server-side encryption and no-overwrite when configured', async () => {
    const sse = await buildTestApp({ sign: { serverSideEncryption: { algorithm: 'KMS', keyId: 'key-1' }, forbidOverwrite: true } })
    try {
      const token = (await request(sse.app).post('/v1/login').send(DEMO.alice)).body.accessToken
      const res = await request(sse.app).post('/v1/sign/post').set('authorization', `Bearer ${token}`).send({}).expect(200)
      const fields = Object.fromEntries(res.body.fields.map((f: { name: string; value: string }) => [f.name, f.value]))
      expect(fields).toMatchObject({ 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'key-1', 'x-oss-forbid-overwrite': 'true' })
      const put = await request(sse.app).post('/v1/sign/url').set('authorization', `Bearer ${token}`).send({ key: 'alice/a', method: 'PUT' }).expect(200)
      expect(put.body.headers).toMatchObject({ 'x-oss-server-side-encryption': 'KMS', 'x-oss-forbid-overwrite': 'true' })
    } finally {
      await sse.close()
    }
  })
})
