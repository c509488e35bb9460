import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crc64 } from '../../src/oss/crc64.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

const require = createRequire(import.meta.url)
const OSS = require('ali-oss') as new (o: object) => AliOss
interface AliOss {
  put(key: string, body: Buffer, options?: object): Promise<{ res: { status: number; headers: Record<string, string> } }>
  get(key: string, options?: object): Promise<{ content: Buffer; res: { status: number; headers: Record<string, string> } }>
  head(key: string): Promise<{ res: { status: number; headers: Record<string, string> } }>
  delete(key: string): Promise<{ res: { status: number } }>
  list(query: object | null, options?: object): Promise<{ objects?: { name: string }[]; prefixes?: string[] }>
  listV2(query: object | null, options?: object): Promise<{ objects?: { name: string }[] }>
  putACL(key: string, acl: string): Promise<unknown>
  getACL(key: string): Promise<{ acl: string }>
}

let t: TestApp
const clients: Record<string, AliOss> = {}

async function clientFor(who: { username: string; password: string }, scope = 'read-write'): Promise<AliOss> {
  const token = (await request(t.app).post('/v1/login').send(who)).body.accessToken as string
  const sts = (await request(t.app).get(`/v1/sts?scope=${scope}`).set('authorization', `Bearer ${token}`).expect(200)).body
  rememberSecrets(token, sts.AccessKeySecret, sts.SecurityToken)
  return new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, refreshSTSToken: async () => sts, endpoint: sts.Placement.Endpoint, bucket: sts.Placement.Bucket, region: `oss-${sts.Placement.Region}`, secure: false, timeout: 10_000 })
}

const ossCode = async (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string; status?: number }) => `${e.status} ${e.code}`)

beforeAll(async () => {
  t = await buildTestApp()
  clients.alice = await clientFor(DEMO.alice)
  clients.bob = await clientFor(DEMO.bob)
})
afterAll(() => t.close())

describe('sandbox OSS, driven by the real ali-oss client', () => {
  it('stores and returns an object with ETag and x-oss-hash-crc64ecma matching the data', async () => {
    const data = Buffer.from('hello from alice, with a CRC to check')
    const put = await clients.alice!.put('alice/hello.txt', data, { headers: { 'Content-Type': 'text/plain' } })
    expect(put.res.status).toBe(200)
    expect(put.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(data).toString())
    expect(put.res.headers.etag).toBe(`"${createHash('md5').update(data).digest('hex').toUpperCase()}"`)
    const got = await clients.alice!.get('alice/hello.txt')
    expect(got.content.equals(data)).toBe(true)
    expect(got.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(data).toString())
    expect(got.res.headers['content-type']).toBe('text/plain')
    const head = await clients.alice!.head('alice/hello.txt')
    expect(head.res.headers['content-length']).toBe(String(data.length))
  })

  it('gives a large upload OSS\'s ETag and CRC-64, and each answer its own OSS-shaped request ID', async () => {
    // Random bytes, not a multiple of 64, in more than one hashing window.
    const data = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 2654435761) >>> 24))
    const put = await clients.alice!.put('alice/large.bin', data)
    expect(put.res.headers.etag).toBe(`"${createHash('md5').update(data).digest('hex').toUpperCase()}"`)
    expect(put.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(data).toString())
    const got = await clients.alice!.get('alice/large.bin')
    expect(got.content.equals(data)).toBe(true)
    const ids = [put.res.headers['x-oss-request-id'], got.res.headers['x-oss-request-id']]
    expect(ids.every((id) => /^[0-9A-F]{24}$/.test(id ?? ''))).toBe(true)
    expect(ids[0]).not.toBe(ids[1])
  })

  it('serves byte ranges', async () => {
    await clients.alice!.put('alice/range.bin', Buffer.from('0123456789'))
    const part = await clients.alice!.get('alice/range.bin', { headers: { Range: 'bytes=2-5' } })
    expect(part.res.status).toBe(206)
    expect(part.content.toString()).toBe('2345')
    expect(part.res.headers['content-range']).toBe('bytes 2-5/10')
  })

  it('checks Content-MD5 and echoes server-side encryption', async () => {
    expect(await ossCode(clients.alice!.put('alice/md5.txt', Buffer.from('abc'), { headers: { 'Content-MD5': createHash('md5').update('xyz').digest('base64') } }))).toBe('400 InvalidDigest')
    const ok = await clients.alice!.put('alice/sse.txt', Buffer.from('abc'), { headers: { 'x-oss-server-side-encryption': 'AES256', 'Content-MD5': createHash('md5').update('abc').digest('base64') } })
    expect(ok.res.headers['x-oss-server-side-encryption']).toBe('AES256')
  })

  it('isolates users: alice cannot read, write or list bob\'s keys, nor list the bucket root', async () => {
    await clients.bob!.put('bob/secret.txt', Buffer.from('bob only'))
    expect(await ossCode(clients.alice!.get('bob/secret.txt'))).toBe('403 AccessDenied')
    expect(await ossCode(clients.alice!.put('bob/planted.txt', Buffer.from('x')))).toBe('403 AccessDenied')
    expect(await ossCode(clients.alice!.delete('bob/secret.txt'))).toBe('403 AccessDenied')
    expect(await ossCode(clients.alice!.list({ prefix: 'bob/' }))).toBe('403 AccessDenied')
    expect(await ossCode(clients.alice!.list({ prefix: '' }))).toBe('403 AccessDenied')
    expect(await ossCode(clients.alice!.put('test.txt', Buffer.from('x')))).toBe('403 AccessDenied')
    const own = await clients.alice!.list({ prefix: 'alice/', delimiter: '/' })
    expect(own.objects?.map((o) => o.name)).toEqual(expect.arrayContaining(['alice/hello.txt', 'alice/range.bin']))
    const v2 = await clients.alice!.listV2({ prefix: 'alice/', 'max-keys': 2 })
    expect(v2.objects).toHaveLength(2)
  })

  it('refuses to write with read-only credentials', async () => {
    const reader = await clientFor(DEMO.alice, 'read')
    expect(await ossCode(reader.get('alice/hello.txt'))).toBe('ok')
    expect(await ossCode(reader.put('alice/new.txt', Buffer.from('x')))).toBe('403 AccessDenied')
  })

  it('deletes, and then answers NoSuchKey', async () => {
    await clients.alice!.put('alice/gone.txt', Buffer.from('x'))
    await clients.alice!.delete('alice/gone.txt')
    expect(await ossCode(clients.alice!.get('alice/gone.txt'))).toBe('404 NoSuchKey')
  })

  it('stores keys that look like paths or escapes as plain keys', async () => {
    // Dot segments are not here: HTTP clients resolve them before sending (the store's own test
    // shows such keys cannot leave its folder either).
    for (const key of ['alice/..%2F..%2Fx', 'alice//etc/passwd', 'alice/a\\b', 'alice/caf\u00e9 \u7167\u7247.txt']) {
      await clients.alice!.put(key, Buffer.from(key))
      expect((await clients.alice!.get(key)).content.toString()).toBe(key)
    }
  })
})

describe('signed URLs and forms against the sandbox', () => {
  let token: string
  beforeAll(async () => {
    token = (await request(t.app).post('/v1/login').send(DEMO.alice)).body.accessToken
    await clients.alice!.put('alice/shared.txt', Buffer.from('shared content'))
  })
  const sign = (body: object) => request(t.app).post('/v1/sign/url').set('authorization', `Bearer ${token}`).send(body).expect(200)

  it('accepts a V4 and a V1 GET URL, and refuses it tampered', async () => {
    for (const version of ['v4', 'v1']) {
      const { url } = (await sign({ key: 'alice/shared.txt', method: 'GET', version })).body as { url: string }
      const res = await fetch(url)
      const text = await res.text()
      expect(res.status, text).toBe(200)
      expect(text).toBe('shared content')
      const tampered = await fetch(url.replace('shared.txt', 'other.txt'))
      expect(tampered.status).toBe(403)
      expect(await tampered.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/)
    }
  })

  it('accepts a PUT URL with the headers it lists, and refuses it without them', async () => {
    const { url, headers } = (await sign({ key: 'alice/upload.png', method: 'PUT', contentType: 'image/png' })).body as { url: string; headers: Record<string, string> }
    expect((await fetch(url, { method: 'PUT', body: 'png bytes' })).status).toBe(403)
    const res = await fetch(url, { method: 'PUT', headers, body: 'png bytes' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(Buffer.from('png bytes')).toString())
  })

  it('applies the bucket referer whitelist to signed URLs when one is configured (seed 6.2)', async () => {
    const guarded = await buildTestApp({ sandbox: { referer: `${process.cwd()}/policies/referer/example.json` } })
    try {
      const login = await request(guarded.app).post('/v1/login').send(DEMO.alice)
      const { url } = (await request(guarded.app).post('/v1/sign/url').set('authorization', `Bearer ${login.body.accessToken}`).send({ key: 'alice/x', method: 'GET' }).expect(200)).body as { url: string }
      const blank = await fetch(url)
      expect(blank.status).toBe(403)
      expect(await blank.text()).toMatch(/referer[\s\S]*<Detail>empty-refused<\/Detail>/)
      const leech = await fetch(url, { headers: { referer: 'http://userdomain-steal/index.html' } })
      expect(await leech.text()).toMatch(/<Detail>not-whitelisted<\/Detail>/)
      const origin = await fetch(url, { headers: { referer: 'http://img.userdomain/error.html' } })
      expect(await origin.text()).toMatch(/<Code>NoSuchKey<\/Code>/)
    } finally {
      await guarded.close()
    }
  })

  it('refuses an expired URL', async () => {
    const { url } = (await sign({ key: 'alice/shared.txt', method: 'GET', expiresIn: 1 })).body as { url: string }
    await new Promise((r) => setTimeout(r, 1200))
    const res = await fetch(url)
    expect(res.status).toBe(403)
    expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code>[\s\S]*expired/)
  })
})
