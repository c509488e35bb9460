import { createServer, type RequestListener, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type ConfigPatch, type TestApp } from '../helpers/app.js'
import { androidProvider, iosProvider } from '../helpers/mobile-sdk.js'
import { rememberSecrets } from '../helpers/secrets.js'

const require = createRequire(import.meta.url)
interface AliOss {
  options: { endpoint: { host: string }; bucket: string; region: string; accessKeyId: string }
  put(key: string, body: Buffer): Promise<{ res: { status: number } }>
  get(key: string): Promise<{ content: Buffer }>
}
const OSS = require('ali-oss') as new (options: object) => AliOss
const Credentials = require('@alicloud/credentials') as { default: new (config: object) => { getCredential(): Promise<Record<string, string>> }; Config: new (o: object) => object }

/** ossvend on a real loopback socket (its public URL known before it is built), counting /v1/sts calls. */
interface Listening {
  readonly t: TestApp
  readonly url: string
  readonly stsCalls: number
  close(): Promise<void>
}

async function listen(patch: ConfigPatch = {}): Promise<Listening> {
  const state: { stsCalls: number; handler?: RequestListener } = { stsCalls: 0 }
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/v1/sts?') || req.url === '/v1/sts') state.stsCalls++
    state.handler?.(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const t = await buildTestApp({ ...patch, server: { ...patch.server, publicUrl: url } })
  state.handler = t.app
  return {
    t,
    url,
    get stsCalls() {
      return state.stsCalls
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await t.close()
    },
  }
}

async function login(base: string, who: { username: string; password: string }): Promise<string> {
  const res = await fetch(`${base}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) })
  const token = ((await res.json()) as { accessToken: string }).accessToken
  rememberSecrets(token)
  return token
}

async function providerUrl(base: string, token: string, scope: string): Promise<string> {
  const res = await fetch(`${base}/v1/sts/provider-url`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope }) })
  expect(res.status).toBe(201)
  const url = ((await res.json()) as { url: string }).url
  rememberSecrets(new URL(url).searchParams.get('access_token') ?? undefined)
  return url
}

let s: Listening
beforeAll(async () => {
  s = await listen()
})
afterAll(() => s.close())

describe('ali-oss refreshSTSToken returning the /v1/sts answer as-is (Node)', () => {
  it('keeps the client\'s endpoint, bucket and region through every refresh, and uploads with the fresh credentials', async () => {
    const token = await login(s.url, DEMO.alice)
    // As the web samples do: fetch the answer, hand it to ali-oss, and return it again on refresh.
    const fetchSts = async () => {
      const answer = (await (await fetch(`${s.url}/v1/sts?scope=read-write`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown> & { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Placement: { Endpoint: string; Bucket: string; Region: string; Prefix: string } }
      rememberSecrets(answer.AccessKeySecret, answer.SecurityToken)
      return answer
    }
    const sts = await fetchSts()
    const client = new OSS({
      accessKeyId: sts.AccessKeyId,
      accessKeySecret: sts.AccessKeySecret,
      stsToken: sts.SecurityToken,
      refreshSTSToken: fetchSts,
      // Refresh before every request, so the merge happens on each one.
      refreshSTSTokenInterval: 0,
      endpoint: sts.Placement.Endpoint,
      bucket: sts.Placement.Bucket,
      region: `oss-${sts.Placement.Region}`,
    })
    const host = client.options.endpoint.host
    for (let i = 0; i < 3; i++) {
      expect((await client.put(`${sts.Placement.Prefix}refresh-${i}.txt`, Buffer.from(`n${i}`))).res.status).toBe(200)
    }
    expect((await client.get(`${sts.Placement.Prefix}refresh-2.txt`)).content.toString()).toBe('n2')
    expect(client.options.endpoint.host).toBe(host)
    expect(client.options.bucket).toBe('app-base-oss')
    expect(client.options.region).toBe('oss-cn-hangzhou')
  })

  it('would be broken by the old flat answer (Endpoint/Bucket/Region at the top level): why it is off by default', async () => {
    const flat = await listen({ sts: { flatPlacement: true } })
    try {
      const token = await login(flat.url, DEMO.alice)
      const fetchSts = async () => (await (await fetch(`${flat.url}/v1/sts?scope=read-write`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, string> & { Placement: Record<string, string> }
      const sts = await fetchSts()
      rememberSecrets(sts.AccessKeySecret, sts.SecurityToken)
      const client = new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, refreshSTSToken: fetchSts, refreshSTSTokenInterval: 0, endpoint: sts.Placement.Endpoint, bucket: sts.Placement.Bucket, region: `oss-${sts.Placement.Region}` })
      await client.put('alice/first.txt', Buffer.from('1')).catch(() => undefined)
      await client.put('alice/second.txt', Buffer.from('2')).catch(() => undefined)
      // The merge replaced the client's own options with the answer's strings.
      expect(client.options.region).toBe('cn-hangzhou')
      expect(typeof client.options.endpoint).toBe('string')
    } finally {
      await flat.close()
    }
  })
})

describe('@alicloud/credentials credentials_uri with a provider URL', () => {
  it('reads the answer, and repeated getCredential() makes one HTTP call (3600 s credentials are not stale to it)', async () => {
    const token = await login(s.url, DEMO.bob)
    const uri = await providerUrl(s.url, token, 'read')
    const before = s.stsCalls
    const cred = new Credentials.default(new Credentials.Config({ type: 'credentials_uri', credentialsURI: uri }))
    const first = await cred.getCredential()
    rememberSecrets(first.accessKeySecret, first.securityToken)
    expect(first).toMatchObject({ accessKeyId: expect.stringMatching(/^STS\./), type: 'credentials_uri', providerName: 'credential_uri' })
    for (let i = 0; i < 10; i++) expect((await cred.getCredential()).accessKeyId).toBe(first.accessKeyId)
    expect(s.stsCalls - before).toBe(1)
    expect(s.t.sts.store.get(first.accessKeyId!)?.sessionName).toBe('u-bob')
  })

  it('with 900 s credentials, every getCredential() would fetch again: the reason 3600 s ships', async () => {
    const short = await listen({ sts: { durationSec: 900 } })
    try {
      const token = await login(short.url, DEMO.bob)
      const uri = await providerUrl(short.url, token, 'read')
      const cred = new Credentials.default(new Credentials.Config({ type: 'credentials_uri', credentialsURI: uri }))
      const before = short.stsCalls
      for (let i = 0; i < 3; i++) rememberSecrets((await cred.getCredential()).accessKeySecret)
      expect(short.stsCalls - before).toBe(3)
    } finally {
      await short.close()
    }
  })

  it('a revoked provider URL makes the provider throw a message without any token', async () => {
    const token = await login(s.url, DEMO.bob)
    const uri = await providerUrl(s.url, token, 'read')
    const id = await (async () => {
      const res = await fetch(`${s.url}/v1/sts/provider-url`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read' }) })
      const body = (await res.json()) as { url: string; id: string }
      rememberSecrets(new URL(body.url).searchParams.get('access_token') ?? undefined)
      return { url: body.url, id: body.id }
    })()
    expect((await fetch(`${s.url}/v1/sts/provider-url/${id.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(204)
    const cred = new Credentials.default(new Credentials.Config({ type: 'credentials_uri', credentialsURI: id.url }))
    const err = (await cred.getCredential().catch((e: unknown) => e)) as Error
    expect(err.message).toContain('ERR_AUTH_INVALID')
    expect(err.message).not.toContain(new URL(id.url).searchParams.get('access_token')!)
    expect(err.message).not.toContain(token)
    // The other, unrevoked URL still works.
    const other = new Credentials.default(new Credentials.Config({ type: 'credentials_uri', credentialsURI: uri }))
    rememberSecrets((await other.getCredential()).accessKeySecret)
  })
})

describe('the mobile providers, emulated from their SDK source, on a provider URL over a real socket', () => {
  it('Android and iOS read the credentials; Android\'s error is readable and token-free', async () => {
    const token = await login(s.url, DEMO.alice)
    const uri = await providerUrl(s.url, token, 'read')
    // Android's HttpURLConnection sends its own User-Agent and no Accept JSON; iOS NSURLSession likewise.
    const ok = await fetch(uri, { headers: { 'user-agent': 'Dalvik/2.1.0 (Linux; U; Android 14)' } })
    const text = await ok.text()
    const android = androidProvider(ok.status, text, uri)
    expect(android.ok).toBe(true)
    if (android.ok) rememberSecrets(android.accessKeySecret, android.securityToken)
    expect(iosProvider(text).ok).toBe(true)
    const wrongScope = uri.replace('scope=read', 'scope=write')
    const refused = await fetch(wrongScope, { headers: { 'user-agent': 'Dalvik/2.1.0 (Linux; U; Android 14)' } })
    const result = androidProvider(refused.status, await refused.text(), wrongScope)
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/^ClientException: ErrorCode: ERR_SCOPE_FORBIDDEN\| ErrorMessage: /) })
    if (!result.ok) expect(result.error).not.toContain('ovpt_')
  })
})
