import { mkdtempSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { createLogger } from '../../src/http/logger.js'
import { crc64 } from '../../src/oss/crc64.js'
import { startServer, type RunningServer } from '../../src/serve.js'
import { captureStream, DEMO } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'
import { ROOT } from '../helpers/vectors.js'

const require = createRequire(import.meta.url)
const OSS = require('ali-oss') as new (o: object) => Record<string, (...a: unknown[]) => Promise<{ res: { status: number; headers: Record<string, string> }; content?: Buffer; etag?: string; deleted?: unknown[] }>>

let server: RunningServer
let offset = 0
let token: string

async function api(path: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json), method: init.method ?? 'POST' } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function client(scope = 'read-write') {
  const sts = (await api(`/v1/sts?scope=${scope}`)).body as Record<string, string> & { Placement: Record<string, string> }
  rememberSecrets(sts.AccessKeySecret, sts.SecurityToken)
  return new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, refreshSTSToken: async () => sts, endpoint: sts.Placement.Endpoint, bucket: sts.Placement.Bucket, region: `oss-${sts.Placement.Region}`, secure: false, timeout: 20_000 })
}

/** What a browser does with /v1/sign/post: the fields in order, then Content-Type, then the file. */
async function postForm(form: { host: string; fields: { name: string; value: string }[] }, file: Buffer, name: string, type = 'image/png') {
  const body = new FormData()
  for (const f of form.fields) body.append(f.name, f.value)
  body.append('Content-Type', type)
  body.append('file', new Blob([file], { type }), name)
  const res = await fetch(form.host, { method: 'POST', body })
  return { status: res.status, text: await res.text() }
}

beforeAll(async () => {
  const base = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-uploads-'))
  const config = { ...base, mode: 'sandbox', server: { ...base.server, port: 0 }, auth: { ...base.auth, scryptLog2N: 10, usersFile: join(dir, 'users.json') }, sandbox: { ...base.sandbox, dataDir: join(dir, 'sandbox') }, store: { ...base.store, dataDir: join(dir, 'data') } } as Config
  server = await startServer({ config, env: { OSSVEND_JWT_SECRET: 'uploads-test-secret-uploads-test-secret' }, logger: createLogger(captureStream(), 'debug'), clock: () => new Date(Date.now() + offset) })
  token = (await api('/v1/login', { json: DEMO.alice, headers: {} })).body.accessToken as string
  rememberSecrets(token, DEMO.alice.password)
})
afterAll(() => server.close())

describe('multipart, copy and batch delete through ali-oss', () => {
  it('uploads in parts; the object CRC-64 matches the local computation, the ETag counts the parts', async () => {
    const data = Buffer.alloc(650 * 1024)
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) % 251
    const file = join(mkdtempSync(join(tmpdir(), 'ossvend-mp-')), 'big.bin')
    writeFileSync(file, data)
    const c = await client()
    const result = await c.multipartUpload!('alice/big.bin', file, { partSize: 100 * 1024 })
    expect(result.res.status).toBe(200)
    const head = await c.head!('alice/big.bin')
    expect(head.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(data).toString())
    expect(head.res.headers.etag).toMatch(/^"[0-9A-F]{32}-7"$/)
    expect((await c.get!('alice/big.bin')).content?.equals(data)).toBe(true)
  })

  it('copies inside the prefix and refuses copying another user\'s object', async () => {
    const c = await client()
    await c.put!('alice/src.txt', Buffer.from('copy me'))
    await c.copy!('alice/dst.txt', 'alice/src.txt')
    expect((await c.get!('alice/dst.txt')).content?.toString()).toBe('copy me')
    const err = await c.copy!('alice/stolen.txt', 'bob/secret.txt').then(() => undefined, (e: { code: string }) => e.code)
    expect(err).toBe('AccessDenied')
  })

  it('deletes several objects at once, and refuses the batch when one key is outside the prefix', async () => {
    const c = await client()
    await c.put!('alice/d1', Buffer.from('1'))
    await c.put!('alice/d2', Buffer.from('2'))
    const refused = await c.deleteMulti!(['alice/d1', 'bob/x']).then(() => 'ok', (e: { code: string }) => e.code)
    expect(refused).toBe('AccessDenied')
    const res = await c.deleteMulti!(['alice/d1', 'alice/d2'])
    expect(res.res.status).toBe(200)
    expect(await c.get!('alice/d1').then(() => 'ok', (e: { code: string }) => e.code)).toBe('NoSuchKey')
  })
})

describe('browser PostObject forms from /v1/sign/post', () => {
  it('uploads, calls ossvend back signed with the sandbox key, and relays the callback\'s JSON', async () => {
    const form = (await api('/v1/sign/post', { json: { dir: 'alice/web/', contentTypes: ['image/png'] } })).body as { host: string; fields: { name: string; value: string }[] }
    const file = Buffer.from('a tiny png, honestly')
    const res = await postForm(form, file, 'cat.png')
    expect(res.status).toBe(200)
    const answer = JSON.parse(res.text) as Record<string, unknown>
    expect(answer).toMatchObject({ Status: 'OK', key: 'alice/web/cat.png', size: file.length, crc64: crc64(file).toString(), mimeType: 'image/png' })
    const uploads = (await api('/v1/uploads', { method: 'GET' })).body.uploads as { key: string }[]
    expect(uploads.map((u) => u.key)).toContain('alice/web/cat.png')
  })

  it('V1 forms work too', async () => {
    const form = (await api('/v1/sign/post', { json: { dir: 'alice/v1/', version: 'v1' } })).body as { host: string; fields: { name: string; value: string }[] }
    expect((await postForm(form, Buffer.from('v1 upload'), 'a.png')).status).toBe(200)
  })

  it('refuses a form whose key was changed, a type outside the list, and an oversized file', async () => {
    const form = (await api('/v1/sign/post', { json: { dir: 'alice/web/', contentTypes: ['image/png'], maxSize: 16 } })).body as { host: string; fields: { name: string; value: string }[] }
    const moved = { ...form, fields: form.fields.map((f) => (f.name === 'key' ? { ...f, value: 'bob/${filename}' } : f)) }
    const r1 = await postForm(moved, Buffer.from('x'), 'x.png')
    expect(r1.status).toBe(403)
    expect(r1.text).toMatch(/<Code>AccessDenied<\/Code>/)
    const r2 = await postForm(form, Buffer.from('x'), 'x.html', 'text/html')
    expect(r2.status).toBe(403)
    const r3 = await postForm(form, Buffer.alloc(17), 'big.png')
    expect(r3.status).toBe(400)
    expect(r3.text).toMatch(/<Code>EntityTooLarge<\/Code>/)
  })

  it('refuses an expired form', async () => {
    const form = (await api('/v1/sign/post', { json: { dir: 'alice/late/' } })).body as { host: string; fields: { name: string; value: string }[] }
    offset = 11 * 60_000
    try {
      const res = await postForm(form, Buffer.from('too late'), 'late.png')
      expect(res.status).toBe(403)
      expect(res.text).toMatch(/Policy expired/)
    } finally {
      offset = 0
    }
  })

  it('answers 203 CallbackFailed when the callback fails, and keeps the object (as OSS does)', async () => {
    const form = (await api('/v1/sign/post', { json: { dir: 'alice/cb/' } })).body as { host: string; fields: { name: string; value: string }[] }
    const uploadsBefore = ((await api('/v1/uploads', { method: 'GET' })).body.uploads as unknown[]).length
    // Replay protection makes the second callback for the same upload fail: the app answers 409.
    const file = Buffer.from('same upload twice')
    expect((await postForm(form, file, 'twice.png')).status).toBe(200)
    const second = await postForm(form, file, 'twice.png')
    expect(second.status).toBe(203)
    expect(second.text).toMatch(/<Code>CallbackFailed<\/Code>/)
    const c = await client()
    expect((await c.get!('alice/cb/twice.png')).content?.equals(file)).toBe(true)
    expect(((await api('/v1/uploads', { method: 'GET' })).body.uploads as unknown[]).length).toBe(uploadsBefore + 1)
  })
})
