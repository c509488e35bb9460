import { createRequire } from 'node:module'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeCallbackParam } from '../../src/oss/callback.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

const require = createRequire(import.meta.url)
type Result = { res: { status: number; headers: Record<string, string> }; uploadId?: string; parts?: unknown[]; uploads?: { name: string; uploadId: string }[]; acl?: string; content?: Buffer }
const OSS = require('ali-oss') as new (o: object) => Record<string, (...a: unknown[]) => Promise<Result>>

let t: TestApp
let sts: Record<string, string> & { Placement: Record<string, string> }

beforeAll(async () => {
  t = await buildTestApp({ sandbox: { bucketAcl: 'public-read' } })
  const token = (await request(t.app).post('/v1/login').send(DEMO.alice)).body.accessToken
  sts = (await request(t.app).get('/v1/sts?scope=read-write').set('authorization', `Bearer ${token}`)).body
  rememberSecrets(token, sts.AccessKeySecret, sts.SecurityToken)
})
afterAll(() => t.close())

const client = (extra: object = {}) => new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, refreshSTSToken: async () => sts, endpoint: sts.Placement.Endpoint, bucket: sts.Placement.Bucket, region: 'oss-cn-hangzhou', secure: false, ...extra })

describe('more sandbox operations', () => {
  it('authenticates V4 header signatures from ali-oss', async () => {
    const v4 = client({ authorizationV4: true })
    await v4.put!('alice/v4.txt', Buffer.from('signed with V4'))
    expect((await v4.get!('alice/v4.txt')).content?.toString()).toBe('signed with V4')
  })

  it('lists parts and uploads, and aborts a multipart upload', async () => {
    const c = client()
    const init = await c.initMultipartUpload!('alice/parts.bin')
    const uploadId = init.uploadId as string
    await c.uploadPart!('alice/parts.bin', uploadId, 1, Buffer.alloc(1024, 1), 0, 1024)
    const parts = await c.listParts!('alice/parts.bin', uploadId)
    // ali-oss hands back a single <Part> or <Upload> as an object, several as an array.
    const list = <T,>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])
    expect(list(parts.parts)).toHaveLength(1)
    const uploads = await c.listUploads!({ prefix: 'alice/' })
    expect(list(uploads.uploads).map((u) => u.uploadId)).toContain(uploadId)
    await c.abortMultipartUpload!('alice/parts.bin', uploadId)
    const after = await c.listUploads!({ prefix: 'alice/' })
    expect(list(after.uploads).map((u) => u.uploadId)).not.toContain(uploadId)
  })

  it('sets and reads object ACLs only as the engine allows (the read-write scope does not grant PutObjectAcl)', async () => {
    const c = client()
    await c.put!('alice/acl.txt', Buffer.from('x'))
    const denied = await c.putACL!('alice/acl.txt', 'public-read').then(() => 'ok', (e: { code: string }) => e.code)
    expect(denied).toBe('AccessDenied')
  })

  it('lets anonymous callers read objects of a public-read bucket, never write them', async () => {
    await client().put!('alice/public.txt', Buffer.from('readable by anyone'))
    const read = await fetch(`${t.oss.url}/app-base-oss/alice/public.txt`)
    expect(read.status).toBe(200)
    expect(await read.text()).toBe('readable by anyone')
    const write = await fetch(`${t.oss.url}/app-base-oss/alice/planted.txt`, { method: 'PUT', body: 'x' })
    expect(write.status).toBe(403)
    const list = await fetch(`${t.oss.url}/app-base-oss?prefix=alice/`)
    expect(list.status).toBe(403)
  })

  it('answers CORS preflights for the configured origins and exposes ETag', async () => {
    const ok = await fetch(`${t.oss.url}/app-base-oss/alice/x`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-oss-date' } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:8080')
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/ETag/)
    const evil = await fetch(`${t.oss.url}/app-base-oss/alice/x`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' } })
    expect(evil.status).toBe(403)
  })

  it('answers 203 CallbackFailed for a PutObject callback that cannot be reached, keeping the object', async () => {
    const callback = encodeCallbackParam({ url: 'http://127.0.0.1:1/cb', body: 'object=${object}' })
    const result = await client().put!('alice/cb.txt', Buffer.from('kept'), { headers: { 'x-oss-callback': callback } }).then((r) => r.res.status, (e: { status: number; code: string }) => `${e.status} ${e.code}`)
    expect(result).toBe('203 CallbackFailed')
    expect((await client().get!('alice/cb.txt')).content?.toString()).toBe('kept')
  })

  it('answers NoSuchBucket for another bucket, and XML errors carry the engine\'s reason', async () => {
    expect((await fetch(`${t.oss.url}/other-bucket/x`)).status).toBe(404)
    const denied = await client().get!('bob/x').then(() => '', (e: { status: number; message: string }) => e.message)
    expect(denied).toMatch(/no right to access/)
  })
})
