import { createSign, generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app.js'
import { createPublicKeyFetcher } from '../../src/http/public-key-fetcher.js'
import type { ObjectHead } from '../../src/compose/object-head.js'
import { callbackAuthString } from '../../src/oss/callback.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString()
const KEY_URL = Buffer.from('https://gosspublic.alicdn.com/callback_pub_key_v1.pem').toString('base64')

let t: TestApp
let app: ReturnType<typeof createApp>
const fetched: string[] = []
let alice: string
let bob: string
/** The objects HeadObject finds: these tests fabricate OSS's callbacks, so they say what OSS stored. */
const stored = new Map<string, ObjectHead>()
const headObject = async (key: string) => stored.get(key)

beforeAll(async () => {
  t = await buildTestApp()
  app = createApp({ ...t.deps, fetchCallbackKey: async (url) => (fetched.push(url.href), PEM), headObject })
  alice = (await request(app).post('/v1/login').send(DEMO.alice)).body.accessToken
  bob = (await request(app).post('/v1/login').send(DEMO.bob)).body.accessToken
  rememberSecrets(alice, bob)
})
afterAll(() => t.close())

/** What OSS does after an upload: fill the callback body's variables and sign it with its key. */
async function ossCallback(token: string, object: string, opts: { size?: number; values?: Record<string, string>; tamperAfterSigning?: (body: string) => string; keyUrl?: string; path?: string; signature?: string } = {}) {
  const form = await request(app).post('/v1/sign/post').set('authorization', `Bearer ${token}`).send({ dir: 'alice/pics/' }).expect(200)
  const callbackField = form.body.fields.find((f: { name: string }) => f.name === 'callback').value as string
  const callback = JSON.parse(Buffer.from(callbackField, 'base64').toString()) as { callbackUrl: string; callbackBody: string; callbackBodyType: string }
  const url = new URL(callback.callbackUrl)
  const values: Record<string, string> = { bucket: 'app-base-oss', object, size: String(opts.size ?? 42), mimeType: 'image/png', etag: 'ETAG1', crc64: '11051210869376104954' }
  Object.assign(values, opts.values)
  stored.set(object, { size: 42, etag: '"ETAG1"', contentType: 'image/png', crc64: '11051210869376104954' })
  const body = callback.callbackBody.replace(/\$\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''))
  const path = opts.path ?? url.pathname
  const signature = createSign('RSA-MD5').update(callbackAuthString(path, '', Buffer.from(body))).sign(privateKey).toString('base64')
  return request(app)
    .post(path)
    .set('content-type', callback.callbackBodyType)
    .set('authorization', opts.signature ?? signature)
    .set('x-oss-pub-key-url', opts.keyUrl ?? KEY_URL)
    .send(opts.tamperAfterSigning ? opts.tamperAfterSigning(body) : body)
    .then((r) => r)
}

describe('POST /v1/oss/callback', () => {
  it('records a verified upload for the ticket\'s user and answers JSON 200, as OSS requires', async () => {
    const res = await ossCallback(alice, 'alice/pics/cat.png')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.body).toMatchObject({ Status: 'OK', key: 'alice/pics/cat.png', size: 42, etag: 'ETAG1', crc64: '11051210869376104954', mimeType: 'image/png' })
    const mine = await request(app).get('/v1/uploads').set('authorization', `Bearer ${alice}`).expect(200)
    expect(mine.body.uploads.map((u: { key: string }) => u.key)).toContain('alice/pics/cat.png')
    const theirs = await request(app).get('/v1/uploads').set('authorization', `Bearer ${bob}`).expect(200)
    expect(theirs.body.uploads.map((u: { key: string }) => u.key)).not.toContain('alice/pics/cat.png')
  })

  it('records one upload per ticket: the same callback again, or a second file with the same form, is 409', async () => {
    const form = await request(app).post('/v1/sign/post').set('authorization', `Bearer ${alice}`).send({ dir: 'alice/pics/' }).expect(200)
    const callback = JSON.parse(Buffer.from(form.body.fields.find((f: { name: string }) => f.name === 'callback').value, 'base64').toString()) as { callbackBody: string; callbackUrl: string }
    const send = (object: string) => {
      stored.set(object, { size: 1, etag: `"${object.toUpperCase()}"`, contentType: 'text/plain', crc64: '0' })
      const body = callback.callbackBody.replace(/\$\{(\w+)\}/g, (_, n: string) => encodeURIComponent(({ object, size: '1', etag: object.toUpperCase() } as Record<string, string>)[n] ?? ''))
      const path = new URL(callback.callbackUrl).pathname
      const signature = createSign('RSA-MD5').update(callbackAuthString(path, '', Buffer.from(body))).sign(privateKey).toString('base64')
      return request(app).post(path).set('content-type', 'application/x-www-form-urlencoded').set('authorization', signature).set('x-oss-pub-key-url', KEY_URL).send(body)
    }
    await send('alice/pics/one.png').expect(200)
    const replay = await send('alice/pics/one.png').expect(409)
    expect(replay.body.code).toBe('ERR_CALLBACK_REPLAYED')
    expect((await send('alice/pics/two.png').expect(409)).body.code).toBe('ERR_CALLBACK_REPLAYED')
  })

  it('refuses a forged signature, a changed body, and an object outside the ticket, with nothing recorded', async () => {
    const before = (await request(app).get('/v1/uploads').set('authorization', `Bearer ${alice}`)).body.uploads.length
    const forged = await ossCallback(alice, 'alice/pics/f.png', { signature: Buffer.from('nope').toString('base64') })
    expect(forged.status).toBe(400)
    expect(forged.body).toMatchObject({ code: 'ERR_CALLBACK_UNVERIFIED' })
    expect(forged.body.detail).toBeUndefined()
    const changed = await ossCallback(alice, 'alice/pics/g.png', { tamperAfterSigning: (b) => b.replace('size=42', 'size=43') })
    expect(changed.status).toBe(400)
    const outside = await ossCallback(alice, 'bob/pics/evil.png')
    expect(outside.status).toBe(400)
    expect(outside.body.code).toBe('ERR_CALLBACK_UNVERIFIED')
    const after = (await request(app).get('/v1/uploads').set('authorization', `Bearer ${alice}`)).body.uploads.length
    expect(after).toBe(before)
  })

  it('takes the body as a claim: a size or ETag the object does not have records nothing', async () => {
    const uploads = async () => (await request(app).get('/v1/uploads').set('authorization', `Bearer ${alice}`)).body.uploads as { key: string }[]
    const before = (await uploads()).length
    const inflated = await ossCallback(alice, 'alice/pics/big.png', { values: { size: '999999999' } })
    expect(inflated.status).toBe(400)
    expect(inflated.body.code).toBe('ERR_CALLBACK_UNVERIFIED')
    const fake = await ossCallback(alice, 'alice/pics/fake.png', { values: { etag: 'FAKE' } })
    expect(fake.status).toBe(400)
    expect(fake.body.code).toBe('ERR_CALLBACK_UNVERIFIED')
    expect((await uploads()).length).toBe(before)
  })

  it('refuses a callback for an object OSS does not have, and answers 503 when OSS cannot be asked', async () => {
    const missing = createApp({ ...t.deps, fetchCallbackKey: async () => PEM, headObject: async () => undefined })
    const down = createApp({ ...t.deps, fetchCallbackKey: async () => PEM, headObject: async () => Promise.reject(new Error('ECONNREFUSED')) })
    const form = await request(app).post('/v1/sign/post').set('authorization', `Bearer ${alice}`).send({ dir: 'alice/pics/' }).expect(200)
    const callback = JSON.parse(Buffer.from(form.body.fields.find((f: { name: string }) => f.name === 'callback').value, 'base64').toString()) as { callbackBody: string; callbackUrl: string }
    const body = callback.callbackBody.replace(/\$\{(\w+)\}/g, (_, n: string) => encodeURIComponent(({ object: 'alice/pics/none.png', size: '1', etag: 'E' } as Record<string, string>)[n] ?? ''))
    const path = new URL(callback.callbackUrl).pathname
    const signature = createSign('RSA-MD5').update(callbackAuthString(path, '', Buffer.from(body))).sign(privateKey).toString('base64')
    const send = (target: typeof app) => request(target).post(path).set('content-type', 'application/x-www-form-urlencoded').set('authorization', signature).set('x-oss-pub-key-url', KEY_URL).send(body)
    expect((await send(missing)).status).toBe(400)
    const unavailable = await send(down)
    expect(unavailable.status).toBe(503)
    expect(unavailable.body.code).toBe('ERR_STORE_UNAVAILABLE')
    // Neither used the ticket up: once OSS answers, the upload is recorded.
    stored.set('alice/pics/none.png', { size: 1, etag: '"E"', contentType: 'image/png', crc64: '1' })
    expect((await send(app)).status).toBe(200)
  })

  it('bounds every field by bytes: a 60 KB mimeType or a key over 1,023 bytes is refused with its pointer', async () => {
    const huge = await ossCallback(alice, 'alice/pics/m.png', { values: { mimeType: 'x'.repeat(60 * 1024) } })
    expect(huge.status).toBe(400)
    expect(huge.body).toMatchObject({ code: 'ERR_REQUEST_INVALID', errors: [expect.objectContaining({ pointer: '/mimeType', code: 'callback.field-too-long' })] })
    const long = await ossCallback(alice, `alice/pics/${'\u00e9'.repeat(510)}.png`)
    expect(long.status).toBe(400)
    expect(long.body.errors[0]).toMatchObject({ pointer: '/object' })
    const mine = await request(app).get('/v1/uploads').set('authorization', `Bearer ${alice}`).expect(200)
    expect(mine.body.uploads.map((u: { key: string }) => u.key)).not.toContain('alice/pics/m.png')
  })

  it('still refuses a delivered callback after a restart without Redis (used tickets are kept on disk)', async () => {
    const form = await request(app).post('/v1/sign/post').set('authorization', `Bearer ${alice}`).send({ dir: 'alice/pics/' }).expect(200)
    const callback = JSON.parse(Buffer.from(form.body.fields.find((f: { name: string }) => f.name === 'callback').value, 'base64').toString()) as { callbackBody: string; callbackUrl: string }
    stored.set('alice/pics/once.png', { size: 7, etag: '"ONCE"', contentType: 'image/png', crc64: '1' })
    const body = callback.callbackBody.replace(/\$\{(\w+)\}/g, (_, n: string) => encodeURIComponent(({ object: 'alice/pics/once.png', size: '7', etag: 'ONCE' } as Record<string, string>)[n] ?? ''))
    const path = new URL(callback.callbackUrl).pathname
    const signature = createSign('RSA-MD5').update(callbackAuthString(path, '', Buffer.from(body))).sign(privateKey).toString('base64')
    const send = (target: typeof app) => request(target).post(path).set('content-type', 'application/x-www-form-urlencoded').set('authorization', signature).set('x-oss-pub-key-url', KEY_URL).send(body)
    expect((await send(app)).status).toBe(200)
    // A new process on the same data directory (same server secret, so the ticket still reads).
    const restarted = await buildTestApp({ store: { dataDir: t.config.store.dataDir } })
    try {
      const again = createApp({ ...restarted.deps, fetchCallbackKey: async () => PEM, headObject })
      const replay = await send(again)
      expect(replay.status).toBe(409)
      expect(replay.body.code).toBe('ERR_CALLBACK_REPLAYED')
    } finally {
      await restarted.close()
    }
  })

  it('never fetches a key from a host that is not allow-listed', async () => {
    const count = fetched.length
    for (const url of ['https://evil.example/k.pem', 'https://gosspublic.alicdn.com.evil.example/k.pem', 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem', 'http://127.0.0.1/k.pem']) {
      expect((await ossCallback(alice, 'alice/pics/x.png', { keyUrl: Buffer.from(url).toString('base64') })).status).toBe(400)
    }
    expect(fetched.length).toBe(count)
  })
})

describe('callback key fetcher', () => {
  const servers: ReturnType<typeof createServer>[] = []
  afterAll(() => servers.forEach((s) => s.close()))
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler)
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/key.pem`
  }

  it('gives up on a slow key within its time bound, and on an oversized one, and caches a good one', async () => {
    let hits = 0
    const slow = await serve((_req, res) => setTimeout(() => res.end(PEM), 3000).unref())
    const huge = await serve((_req, res) => res.end(Buffer.alloc(5 * 1024 * 1024, 'A')))
    const good = await serve((_req, res) => {
      hits++
      res.end(PEM)
    })
    const fetchKey = createPublicKeyFetcher({ timeoutMs: 500, maxBytes: 16 * 1024 })
    const started = Date.now()
    expect(await fetchKey(new URL(slow))).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(1500)
    expect(await fetchKey(new URL(huge))).toBeUndefined()
    expect(await fetchKey(new URL(good))).toBe(PEM)
    expect(await fetchKey(new URL(good))).toBe(PEM)
    expect(hits).toBe(1)
  })
})
