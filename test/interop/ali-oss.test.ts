import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crc64 } from '../../src/oss/crc64.js'
import { authorizationV1, stringToSignV1 } from '../../src/oss/sign-v1.js'
import { loadSandboxRoot } from '../../src/serve.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { vend, type Vended } from './vend.js'

const require = createRequire(import.meta.url)
interface Res { status: number; headers: Record<string, string> }
interface AliOss {
  put(key: string, body: Buffer, options?: object): Promise<{ res: Res }>
  get(key: string): Promise<{ content: Buffer; res: Res }>
  head(key: string): Promise<{ res: Res }>
  append(key: string, body: Buffer, options?: object): Promise<{ nextAppendPosition: string; res: Res }>
  multipartUpload(key: string, body: Buffer, options?: object): Promise<{ res: Res }>
  initMultipartUpload(key: string): Promise<{ uploadId: string }>
  uploadPart(key: string, uploadId: string, partNo: number, file: Buffer, start: number, end: number): Promise<{ etag: string }>
  completeMultipartUpload(key: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<{ res: Res }>
  signatureUrl(key: string, options?: object): string
  signatureUrlV4(method: string, expires: number, request?: object, key?: string): Promise<string>
  asyncSignatureUrl(key: string, options?: object): Promise<string>
  generateObjectUrl(key: string): string
  calculatePostSignature(policy: object): { OSSAccessKeyId: string; Signature: string; policy: string }
}
const OSS = require('ali-oss') as new (options: object) => AliOss

let t: TestApp
let alice: Vended

beforeAll(async () => {
  t = await buildTestApp()
  alice = await vend(t, DEMO.alice)
})
afterAll(() => t.close())

/** As ali-oss's README shows: credentials, the STS token, the bucket and the endpoint; nothing else. */
const clientFor = (v: Vended, extra: object = {}) =>
  new OSS({ accessKeyId: v.accessKeyId, accessKeySecret: v.accessKeySecret, stsToken: v.securityToken, bucket: v.bucket, endpoint: v.endpoint, region: `oss-${v.region}`, ...extra })

const failure = (p: Promise<unknown>) => p.then(() => 'ok', (e: { status?: number; code?: string }) => `${e.status} ${e.code}`)

describe('ali-oss against the advertised sandbox endpoint (issue 11 item 2)', () => {
  it('addresses the bucket virtual-hosted and works with V1 and V4 (authorizationV4) signatures', async () => {
    expect(alice.endpoint).toMatch(/^http:\/\/localhost:\d+$/)
    for (const [c, key] of [[clientFor(alice), 'alice/v1.txt'], [clientFor(alice, { authorizationV4: true }), 'alice/v4.txt']] as const) {
      await c.put(key, Buffer.from(`body of ${key}`))
      expect((await c.get(key)).content.toString()).toBe(`body of ${key}`)
    }
    expect(clientFor(alice).generateObjectUrl('alice/v1.txt')).toBe(`${alice.endpoint.replace('//', `//${alice.bucket}.`)}/alice/v1.txt`)
  })

  it('every URL helper gives a URL that plain fetch can use: signatureUrl, signatureUrlV4, asyncSignatureUrl', async () => {
    const c = clientFor(alice)
    await c.put('alice/urls.txt', Buffer.from('signed urls'))
    const v1 = c.signatureUrl('alice/urls.txt', { expires: 600 })
    expect(await (await fetch(v1)).text()).toBe('signed urls')
    const v4 = await c.signatureUrlV4('GET', 600, undefined, 'alice/urls.txt')
    expect(await (await fetch(v4)).text()).toBe('signed urls')
    const asyncUrl = await c.asyncSignatureUrl('alice/urls.txt', { expires: 600 })
    expect(await (await fetch(asyncUrl)).text()).toBe('signed urls')
    const putUrl = c.signatureUrl('alice/put-by-url.txt', { method: 'PUT', 'Content-Type': 'text/plain' })
    expect((await fetch(putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'put by url' })).status).toBe(200)
    expect((await c.get('alice/put-by-url.txt')).content.toString()).toBe('put by url')
  })

  it('path style reaches the sandbox too', async () => {
    const res = await fetch(`${alice.endpoint}/${alice.bucket}/alice/urls.txt`)
    expect(res.status).toBe(403)
    expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code>/)
  })

  it('refuses a URL signed with a wrong secret, for another key, or expired', async () => {
    const wrong = clientFor({ ...alice, accessKeySecret: `${alice.accessKeySecret}x` })
    const bad = await fetch(wrong.signatureUrl('alice/urls.txt'))
    expect(bad.status).toBe(403)
    expect(await bad.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/)
    const v4 = await clientFor(alice).signatureUrlV4('GET', 600, undefined, 'alice/urls.txt')
    expect((await fetch(v4.replace('urls.txt', 'other.txt'))).status).toBe(403)
    const soon = clientFor(alice).signatureUrl('alice/urls.txt', { expires: 1 })
    await new Promise((r) => setTimeout(r, 2100))
    const late = await fetch(soon)
    expect(late.status).toBe(403)
    expect(await late.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/)
  })

  it('refuses a wrong secret, an unknown key, a missing token and another user\'s prefix', async () => {
    expect(await failure(clientFor({ ...alice, accessKeySecret: 'wrong-secret' }).put('alice/x.txt', Buffer.from('x')))).toBe('403 SignatureDoesNotMatch')
    expect(await failure(clientFor({ ...alice, accessKeyId: 'STS.unknown' }).put('alice/x.txt', Buffer.from('x')))).toBe('403 InvalidAccessKeyId')
    expect(await failure(clientFor(alice, { stsToken: undefined }).put('alice/x.txt', Buffer.from('x')))).toBe('403 InvalidSecurityToken')
    expect(await failure(clientFor(alice, { authorizationV4: true, stsToken: undefined }).put('alice/x.txt', Buffer.from('x')))).toBe('403 InvalidSecurityToken')
    expect(await failure(clientFor(alice).put('bob/x.txt', Buffer.from('x')))).toBe('403 AccessDenied')
    expect(await failure(clientFor(alice, { authorizationV4: true }).get('bob/x.txt'))).toBe('403 AccessDenied')
  })
})

describe('multipart rules (issue 11 item 6)', () => {
  const small = Buffer.alloc(1024, 1)
  const big = Buffer.alloc(100 * 1024, 2)

  it('multipartUpload with 100 KB parts completes, and the CRC-64 is the whole object\'s', async () => {
    const data = Buffer.concat([big, big, small])
    const c = clientFor(alice)
    await c.multipartUpload('alice/mp.bin', data, { partSize: 100 * 1024 })
    const head = await c.head('alice/mp.bin')
    expect(head.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(data).toString(10))
  })

  it('a 12-part multipartUpload prints no MaxListenersExceededWarning and stores the exact bytes', async () => {
    // Given process warnings captured during one upload of 12 parts of 200 KB (the last shorter)
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    try {
      const data = Buffer.alloc(11 * 200 * 1024 + 12_345)
      for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 10)) & 0xff
      const c = clientFor(alice)
      // When ali-oss uploads it (parts in parallel, as it does by default)
      await c.multipartUpload('alice/twelve-parts.bin', data, { partSize: 200 * 1024 })
      // Then the object is the bytes sent, with their CRC-64, and nothing warned
      const got = await c.get('alice/twelve-parts.bin')
      expect(got.content.equals(data)).toBe(true)
      expect(got.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(data).toString(10))
      expect(got.res.headers.etag).toMatch(/-12"$/)
      await new Promise((r) => setImmediate(r))
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('a part under 100 KB that is not the last gets EntityTooSmall at Complete, and nothing is published', async () => {
    const c = clientFor(alice)
    const { uploadId } = await c.initMultipartUpload('alice/too-small.bin')
    const p1 = await c.uploadPart('alice/too-small.bin', uploadId, 1, small, 0, small.length)
    const p2 = await c.uploadPart('alice/too-small.bin', uploadId, 2, big, 0, big.length)
    expect(await failure(c.completeMultipartUpload('alice/too-small.bin', uploadId, [{ number: 1, etag: p1.etag }, { number: 2, etag: p2.etag }]))).toBe('400 EntityTooSmall')
    expect(await failure(c.head('alice/too-small.bin'))).toBe('404 NoSuchKey')
    // The upload stays open, as on OSS: completing with a valid list still works.
    await c.completeMultipartUpload('alice/too-small.bin', uploadId, [{ number: 2, etag: p2.etag }])
    expect((await c.get('alice/too-small.bin')).content.length).toBe(big.length)
  })

  // ali-oss sorts the parts it completes with; InvalidPartOrder is tested with the S3 client.
  it('InvalidPart, NoSuchUpload, and part numbers outside 1..10000', async () => {
    const c = clientFor(alice)
    const { uploadId } = await c.initMultipartUpload('alice/rules.bin')
    const p1 = await c.uploadPart('alice/rules.bin', uploadId, 1, big, 0, big.length)
    const p2 = await c.uploadPart('alice/rules.bin', uploadId, 2, small, 0, small.length)
    expect(await failure(c.completeMultipartUpload('alice/rules.bin', uploadId, [{ number: 1, etag: p1.etag }, { number: 2, etag: p1.etag }]))).toBe('400 InvalidPart')
    expect(await failure(c.completeMultipartUpload('alice/rules.bin', uploadId, [{ number: 1, etag: '"00000000000000000000000000000000"' }, { number: 2, etag: p2.etag }]))).toBe('400 InvalidPart')
    expect(await failure(c.completeMultipartUpload('alice/rules.bin', uploadId, [{ number: 3, etag: p1.etag }]))).toBe('400 InvalidPart')
    expect(await failure(c.completeMultipartUpload('alice/rules.bin', 'NOSUCHUPLOAD', [{ number: 1, etag: p1.etag }]))).toBe('404 NoSuchUpload')
    expect(await failure(c.uploadPart('alice/rules.bin', uploadId, 10001, small, 0, small.length))).toBe('400 InvalidArgument')
    expect(await failure(c.uploadPart('alice/rules.bin', uploadId, 0, small, 0, small.length))).toBe('400 InvalidArgument')
  })
})

describe('AppendObject through ali-oss append (issue 11 item 6)', () => {
  it('appends at the next position; the CRC-64 and ETag cover the whole object', async () => {
    const c = clientFor(alice)
    const first = await c.append('alice/app.log', Buffer.from('line 1\n'))
    expect(first.nextAppendPosition).toBe('7')
    const second = await c.append('alice/app.log', Buffer.from('line 2\n'), { position: first.nextAppendPosition })
    expect(second.nextAppendPosition).toBe('14')
    expect(second.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(Buffer.from('line 1\nline 2\n')).toString(10))
    const got = await c.get('alice/app.log')
    expect(got.content.toString()).toBe('line 1\nline 2\n')
    expect(got.res.headers['x-oss-object-type']).toBe('Appendable')
  })

  it('a wrong position is PositionNotEqualToLength (409) with the right one; nothing changes', async () => {
    const c = clientFor(alice)
    await c.append('alice/pos.log', Buffer.from('abc'))
    expect(await failure(c.append('alice/pos.log', Buffer.from('x'), { position: '1' }))).toBe('409 PositionNotEqualToLength')
    // ali-oss keeps no headers on errors: the same append as the bucket owner, by hand.
    const root = await loadSandboxRoot(t.config.sandbox.dataDir)
    const date = new Date().toUTCString()
    const query = { append: null, position: '1' }
    const headers = { date, 'content-type': 'text/plain' }
    const authorization = authorizationV1(root.accessKeyId, root.accessKeySecret, stringToSignV1({ method: 'POST', bucket: alice.bucket, key: 'alice/pos.log', date, headers, query }))
    const res = await fetch(`${t.oss.url}/${alice.bucket}/alice/pos.log?append&position=1`, { method: 'POST', headers: { ...headers, authorization }, body: 'x' })
    expect(res.status).toBe(409)
    expect(res.headers.get('x-oss-next-append-position')).toBe('3')
    expect(await res.text()).toMatch(/<Code>PositionNotEqualToLength<\/Code>/)
    expect((await c.get('alice/pos.log')).content.toString()).toBe('abc')
  })

  it('a normal object is not appendable (ObjectNotAppendable, 409), and another user\'s key is denied', async () => {
    const c = clientFor(alice)
    await c.put('alice/normal.txt', Buffer.from('normal'))
    expect(await failure(c.append('alice/normal.txt', Buffer.from('x'), { position: '6' }))).toBe('409 ObjectNotAppendable')
    expect(await failure(c.append('bob/app.log', Buffer.from('x')))).toBe('403 AccessDenied')
  })
})

describe('object ACLs need oss:PutObjectAcl (issue 12 item 5)', () => {
  const acl = { headers: { 'x-oss-object-acl': 'public-read-write' } }
  const anonymousRead = (key: string) => fetch(`${alice.endpoint.replace('//', `//${alice.bucket}.`)}/${key}`)

  it('a PutObject, multipart upload or append with x-oss-object-acl is refused without it, and nothing is stored', async () => {
    const c = clientFor(alice)
    expect(await failure(c.put('alice/smuggled.txt', Buffer.from('x'), acl))).toBe('403 AccessDenied')
    expect(await failure(c.head('alice/smuggled.txt'))).toBe('404 NoSuchKey')
    expect(await failure(c.multipartUpload('alice/smuggled-mp.bin', Buffer.alloc(1024), { ...acl, partSize: 100 * 1024 }))).toMatch(/^403 AccessDenied/)
    expect(await failure(c.append('alice/smuggled.log', Buffer.from('x'), acl))).toBe('403 AccessDenied')
    expect((await anonymousRead('alice/smuggled.txt')).status).toBe(403)
  })

  it('a V1 PostObject form with an extra x-oss-object-acl field is refused, the same form without it is accepted', async () => {
    const c = clientFor(alice)
    const policy = { expiration: new Date(Date.now() + 600_000).toISOString(), conditions: [['content-length-range', 0, 1024 * 1024], { bucket: alice.bucket }, ['starts-with', '$key', 'alice/']] }
    const signed = c.calculatePostSignature(policy)
    const post = (extra: Record<string, string>) => {
      const form = new FormData()
      for (const [k, v] of Object.entries({ key: 'alice/form.txt', OSSAccessKeyId: signed.OSSAccessKeyId, policy: signed.policy, Signature: signed.Signature, 'x-oss-security-token': alice.securityToken, success_action_status: '200', ...extra })) form.append(k, v)
      form.append('file', new Blob(['posted']), 'form.txt')
      return fetch(alice.endpoint.replace('//', `//${alice.bucket}.`), { method: 'POST', body: form })
    }
    const smuggled = await post({ 'x-oss-object-acl': 'public-read-write' })
    expect(smuggled.status).toBe(403)
    expect(await smuggled.text()).toMatch(/<Code>AccessDenied<\/Code>/)
    expect(await failure(c.head('alice/form.txt'))).toBe('404 NoSuchKey')
    // Issue 11 item 5: a V1 form with STS credentials, the token as a field the policy does not name.
    expect((await post({})).status).toBe(200)
    expect((await c.get('alice/form.txt')).content.toString()).toBe('posted')
  })
})
