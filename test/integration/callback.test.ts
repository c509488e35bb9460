import { createSign, generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app.js'
import { createPublicKeyFetcher } from '../../src/http/public-key-fetcher.js'
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

beforeAll(async () => {
  t = await buildTestApp()
  app = createApp({ ...t.deps, fetchCallbackKey: async (url) => (fetched.push(url.href), PEM) })
  alice = (await request(app).post('/v1/login').send(DEMO.alice)).body.accessToken
  bob = (await request(app).post('/v1/login').send(DEMO.bob)).body.accessToken
  rememberSecrets(alice, bob)
})
afterAll(() => t.close())

/** What OSS does after an upload: fill the callback body's variables and sign it with its key. */
async function ossCallback(token: string, object: string, opts: { size?: number; tamperAfterSigning?: (body: string) => string; keyUrl?: string; path?: string; signature?: string } = {}) {
  const form = await request(app).post('/v1/sign/post').set('authorization', `Bearer ${token}`).send({ dir: 'alice/pics/' }).expect(200)
  const callbackField = form.body.fields.find((f: { name: string }) => f.name === 'callback').value as string
  const callback = JSON.parse(Buffer.from(callbackField, 'base64').toString()) as { callbackUrl: string; callbackBody: string; callbackBodyType: string }
  const url = new URL(callback.callbackUrl)
  const values: Record<string, string> = { bucket: 'app-base-oss', object, size: String(opts.size ?? 42), mimeType: 'image/png', etag: '"ETAG1"', crc64: '11051210869376104954' }
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
    expect(res.body).toMatchObject({ Status: 'OK', key: 'alice/pics/cat.png', size: 42, etag: '"ETAG1"', crc64: '11051210869376104954', mimeType: 'image/png' })
    const mine = await request(app).get('/v1/uploads').set('authorization', `Bearer ${alice}`).expect(200)
    expect(mine.body.uploads.map((u: { key: string }) => u.key)).toContain('alice/pics/cat.png')
    const theirs = await request(app).get('/v1/uploads').set('authorization', `Bearer ${bob}`).expect(200)
    expect(theirs.body.uploads.map((u: { key: string }) => u.key)).not.toContain('alice/pics/cat.png')
  })

  it('refuses the same callback twice (409), but not a second file uploaded with the same form', async () => {
    const form = await request(app).post('/v1/sign/post').set('authorization', `Bearer ${alice}`).send({ dir: 'alice/pics/' }).expect(200)
    const callback = JSON.parse(Buffer.from(form.body.fields.find((f: { name: string }) => f.name === 'callback').value, 'base64').toString()) as { callbackBody: string; callbackUrl: string }
    const send = (object: string) => {
      const body = callback.callbackBody.replace(/\$\{(\w+)\}/g, (_, n: string) => encodeURIComponent(({ object, size: '1', etag: `"${object}"` } as Record<string, string>)[n] ?? ''))
      const path = new URL(callback.callbackUrl).pathname
      const signature = createSign('RSA-MD5').update(callbackAuthString(path, '', Buffer.from(body))).sign(privateKey).toString('base64')
      return request(app).post(path).set('content-type', 'application/x-www-form-urlencoded').set('authorization', signature).set('x-oss-pub-key-url', KEY_URL).send(body)
    }
    await send('alice/pics/one.png').expect(200)
    const replay = await send('alice/pics/one.png').expect(409)
    expect(replay.body.code).toBe('ERR_CALLBACK_REPLAYED')
    await send('alice/pics/two.png').expect(200)
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
