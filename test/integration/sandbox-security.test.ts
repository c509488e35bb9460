import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkPublicKeyUrl, encodeCallbackParam } from '../../src/oss/callback.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { vend, type Vended } from '../interop/vend.js'

const require = createRequire(import.meta.url)
interface AliOss {
  put(key: string, body: Buffer, options?: object): Promise<{ res: { status: number }; data?: unknown }>
  signatureUrl(key: string, options?: object): string
}
const OSS = require('ali-oss') as new (options: object) => AliOss

/** A service on this machine's loopback that a callback must never reach (unless configured). */
let internal: Server
let internalHost: string
const internalHits: string[] = []
let t: TestApp
let trusting: TestApp
let alice: Vended

beforeAll(async () => {
  internal = createServer((req, res) => {
    internalHits.push(req.url ?? '')
    res.setHeader('content-type', 'application/json')
    res.end('{"internal":"secret"}')
  })
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve))
  internalHost = `127.0.0.1:${(internal.address() as AddressInfo).port}`
  t = await buildTestApp()
  trusting = await buildTestApp({ sandbox: { callbackHosts: [internalHost] } })
  alice = await vend(t, DEMO.alice)
})
afterAll(async () => {
  await t.close()
  await trusting.close()
  internal.close()
})

const clientFor = (v: Vended) => new OSS({ accessKeyId: v.accessKeyId, accessKeySecret: v.accessKeySecret, stsToken: v.securityToken, bucket: v.bucket, endpoint: v.endpoint, region: `oss-${v.region}` })

/** A raw request to the sandbox OSS, the request line exactly as given. */
function raw(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('upload callbacks go only to configured hosts (issue 12 item 7)', () => {
  it('a callbackUrl naming a loopback service is never called: 203 CallbackFailed, the object kept', async () => {
    const callback = encodeCallbackParam({ url: `http://${internalHost}/admin`, body: 'object=${object}' })
    const outcome = await clientFor(alice).put('alice/ssrf.txt', Buffer.from('x'), { headers: { 'x-oss-callback': callback } }).then(
      (r) => `${r.res.status}`,
      (e: { status: number; code: string }) => `${e.status} ${e.code}`,
    )
    expect(outcome).toBe('203 CallbackFailed')
    expect(internalHits).toEqual([])
  })

  it('a host listed in sandbox.callbackHosts is called, and its JSON relayed', async () => {
    const bob = await vend(trusting, DEMO.bob)
    const callback = encodeCallbackParam({ url: `http://${internalHost}/hook`, body: 'object=${object}' })
    const result = await clientFor(bob).put('bob/hooked.txt', Buffer.from('x'), { headers: { 'x-oss-callback': callback } })
    expect(result.res.status).toBe(200)
    expect(internalHits).toEqual(['/hook'])
  })
})

describe('the callback key URL (issue 12 item 8)', () => {
  it('only the sandbox\'s own key URL is trusted over http, never an object on the same host', () => {
    const rules = t.deps.callbackKeyRules
    const b64 = (url: string) => Buffer.from(url).toString('base64')
    expect(checkPublicKeyUrl(b64(t.oss.callbackKeyUrl), rules)?.href).toBe(t.oss.callbackKeyUrl)
    const userObject = clientFor(alice).signatureUrl('alice/my-key.pem').replace(new URL(alice.endpoint.replace('//', `//${alice.bucket}.`)).origin, `${t.oss.url}/${alice.bucket}`)
    expect(new URL(userObject).pathname.endsWith('.pem')).toBe(true)
    expect(checkPublicKeyUrl(b64(userObject), rules)).toBeUndefined()
    expect(checkPublicKeyUrl(b64(`${t.oss.url}/${alice.bucket}/alice/my-key.pem`), rules)).toBeUndefined()
    expect(checkPublicKeyUrl(b64(`${t.oss.callbackKeyUrl}?x=1`), rules)).toBeUndefined()
  })

  it('is served by the sandbox, and no write can replace it', async () => {
    const served = await fetch(t.oss.callbackKeyUrl)
    expect(await served.text()).toMatch(/^-----BEGIN PUBLIC KEY-----/)
    const before = await (await fetch(t.oss.callbackKeyUrl)).text()
    await clientFor(alice).put('alice/__sandbox/callback_pub_key.pem', Buffer.from('mine'))
    expect(await (await fetch(t.oss.callbackKeyUrl)).text()).toBe(before)
  })
})

describe('malformed request URIs (issue 12 item 17)', () => {
  it('answer 400 InvalidURI with OSS\'s XML error, never a 500', async () => {
    for (const path of ['//', '//app-base-oss/alice/x', '/app-base-oss/alice/%E0%A4%A', '/app-base-oss/%ZZ', '/%']) {
      const res = await raw(t.oss.url, path)
      expect({ path, status: res.status }).toEqual({ path, status: 400 })
      expect(res.body).toMatch(/<Code>InvalidURI<\/Code>/)
    }
  })
})
