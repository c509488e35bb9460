import { createSign } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSandboxRoot } from '../../src/compose/sandbox.js'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { createTicket, readTicket } from '../../src/grant/upload-ticket.js'
import { createLogger } from '../../src/http/logger.js'
import { callbackAuthString } from '../../src/oss/callback.js'
import { crc64 } from '../../src/oss/crc64.js'
import { presignUrlV4 } from '../../src/oss/sign-v4.js'
import { startServer, type RunningServer } from '../../src/serve.js'
import { capturedLogs, captureStream, DEMO } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'
import { ROOT } from '../helpers/vectors.js'

let server: RunningServer
let dataDir: string
let token: string

type Form = { host: string; fields: { name: string; value: string }[] }

async function api(path: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...init.headers },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json), method: 'POST' } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** What a browser does with /v1/sign/post: the fields in order, then Content-Type, then the file. */
async function postForm(form: Form, file: Buffer, name: string) {
  const body = new FormData()
  for (const f of form.fields) body.append(f.name, f.value)
  body.append('Content-Type', 'text/plain')
  body.append('file', new Blob([file], { type: 'text/plain' }), name)
  const res = await fetch(form.host, { method: 'POST', body })
  return { status: res.status, text: await res.text() }
}

const uploadedKeys = async () => ((await api('/v1/uploads')).body.uploads as { key: string }[]).map((u) => u.key)

beforeAll(async () => {
  const base = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-buckets-cb-'))
  const rules = join(dir, 'multi.json')
  writeFileSync(rules, JSON.stringify({
    rules: [
      { path: 'media/{user}/*', bucket: 'media-east', id: 'media', access: { owner: ['read', 'list', 'write'] } },
      { path: 'logs/{user}/*', bucket: 'logs-east', id: 'logs', access: { owner: ['read', 'list', 'write'] } },
    ],
  }))
  const role = join(dir, 'role.json')
  writeFileSync(role, JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:GetObject', 'oss:PutObject'], Resource: ['acs:oss:*:*:app-base-oss/*', 'acs:oss:*:*:media-east/*', 'acs:oss:*:*:logs-east/*'] }],
  }))
  dataDir = join(dir, 'sandbox')
  const config = {
    ...base,
    mode: 'sandbox',
    server: { ...base.server, port: 0 },
    // Any port: in sandbox mode a *.localhost custom domain is served at the sandbox OSS's own.
    oss: { ...base.oss, buckets: { 'media-east': { cname: 'http://media-cdn.localhost:1' }, 'logs-east': {} } },
    sign: { ...base.sign, callback: true },
    auth: { ...base.auth, scryptLog2N: 10, usersFile: join(dir, 'users.json'), demoUsers: [{ ...DEMO.alice, scopes: ['multi'] }] },
    policies: { ...base.policies, scopes: { ...base.policies.scopes, multi: rules }, rolePolicies: [role] },
    sandbox: { ...base.sandbox, dataDir },
    store: { ...base.store, dataDir: join(dir, 'data') },
  } as Config
  server = await startServer({ config, env: { OSSVEND_JWT_SECRET: 'buckets-cb-secret-buckets-cb-secret' }, logger: createLogger(captureStream(), 'debug') })
  const login = await fetch(`${server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO.alice) })
  token = ((await login.json()) as { accessToken: string }).accessToken
  rememberSecrets(token, DEMO.alice.password)
})
afterAll(() => server?.close())

describe('upload callbacks in a bucket other than oss.bucket', () => {
  it('confirms a form upload into the second bucket and lists it', async () => {
    const form = (await api('/v1/sign/post', { json: { scope: 'multi', bucket: 'logs-east', dir: 'logs/alice/' } })).body as Form
    expect(form.fields.some((f) => f.name === 'callback')).toBe(true)
    const file = Buffer.from('a log line\n')
    const res = await postForm(form, file, 'a.log')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toMatchObject({ Status: 'OK', key: 'logs/alice/a.log', size: file.length, crc64: crc64(file).toString() })
    expect(await uploadedKeys()).toContain('logs/alice/a.log')
  })

  it('refuses a ticket for one bucket presented with an object in another (400 CallbackUnverified)', async () => {
    // The object exists in the default bucket only; the ticket is for logs-east.
    const root = await loadSandboxRoot(dataDir)
    const put = presignUrlV4({ credentials: root, endpoint: { url: server.sandboxOss!.url, style: 'path' }, region: server.deps.config.oss.region, bucket: 'app-base-oss', key: 'logs/alice/b.log', method: 'PUT', now: new Date(), expiresInSec: 60 })
    const head = await fetch(put.url, { method: 'PUT', body: Buffer.from('elsewhere') })
    expect([head.status, head.status === 200 ? '' : await head.text()]).toEqual([200, ''])
    const etag = (head.headers.get('etag') ?? '').replace(/"/g, '')
    const form = (await api('/v1/sign/post', { json: { scope: 'multi', bucket: 'logs-east', dir: 'logs/alice/' } })).body as Form
    const callback = JSON.parse(Buffer.from(form.fields.find((f) => f.name === 'callback')!.value, 'base64').toString()) as { callbackUrl: string; callbackBody: string }
    const ticket = /ticket=([^&]+)/.exec(callback.callbackBody)![1] as string
    // A callback body the uploader wrote (PutObject's x-oss-callback), signed as OSS would sign it.
    const key = readFileSync(join(dataDir, 'callback-key.pem'), 'utf8')
    const send = async (fields: string) => {
      const body = Buffer.from(`${fields}&object=logs%2Falice%2Fb.log&size=9&etag=${etag}&ticket=${ticket}`)
      const path = new URL(callback.callbackUrl).pathname
      const signature = createSign('RSA-MD5').update(callbackAuthString(path, '', body)).sign(key).toString('base64')
      const res = await fetch(callback.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: signature, 'x-oss-pub-key-url': Buffer.from(server.sandboxOss!.callbackKeyUrl).toString('base64') },
        body,
      })
      return { status: res.status, body: (await res.json()) as { code?: string } }
    }
    // Naming the other bucket: refused before OSS is asked.
    expect(await send('bucket=app-base-oss')).toMatchObject({ status: 400, body: { code: 'ERR_CALLBACK_UNVERIFIED' } })
    expect(capturedLogs.join('')).toContain('"reason":"bucket-outside-ticket"')
    // Not naming it: HeadObject asks the ticket's bucket, where there is no such object.
    expect(await send('mimeType=text%2Fplain')).toMatchObject({ status: 400, body: { code: 'ERR_CALLBACK_UNVERIFIED' } })
    expect(capturedLogs.join('')).toContain('"reason":"object-missing"')
    expect(await uploadedKeys()).not.toContain('logs/alice/b.log')
  })

  it('reads a ticket issued without a bucket (before the upgrade) as one for the default bucket', () => {
    const secret = Buffer.alloc(32, 7)
    const old = createTicket(secret, { id: 'i', user: 'alice', prefix: 'alice/', expires: 2_000_000_000 })
    expect(readTicket(secret, old, 1_000)).toEqual({ id: 'i', user: 'alice', prefix: 'alice/', expires: 2_000_000_000 })
    const now = createTicket(secret, { id: 'i', user: 'alice', prefix: 'alice/', expires: 2_000_000_000, bucket: 'logs-east' })
    expect(readTicket(secret, now, 1_000)?.bucket).toBe('logs-east')
  })
})

describe('a custom domain at *.localhost in sandbox mode', () => {
  it('signed PUT and GET URLs (V4 and V1) reach the bound bucket at the domain', async () => {
    const port = new URL(server.sandboxOss!.url).port
    for (const version of ['v4', 'v1']) {
      const key = `media/alice/${version}.txt`
      const put = (await api('/v1/sign/url', { json: { scope: 'multi', bucket: 'media-east', key, method: 'PUT', contentType: 'text/plain', version } })).body as { url: string; headers: Record<string, string> }
      expect(new URL(put.url).host).toBe(`media-cdn.localhost:${port}`)
      expect(new URL(put.url).pathname).toBe(`/${key}`)
      expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: `via ${version}` })).status).toBe(200)
      const get = (await api('/v1/sign/url', { json: { scope: 'multi', bucket: 'media-east', key, method: 'GET', version } })).body as { url: string }
      const res = await fetch(get.url)
      expect([res.status, await res.text()]).toEqual([200, `via ${version}`])
    }
    // The object is in media-east, not in the default bucket.
    const root = await loadSandboxRoot(dataDir)
    const inDefault = presignUrlV4({ credentials: root, endpoint: { url: server.sandboxOss!.url, style: 'path' }, region: server.deps.config.oss.region, bucket: 'app-base-oss', key: 'media/alice/v4.txt', method: 'GET', now: new Date(), expiresInSec: 60 })
    expect((await fetch(inDefault.url)).status).toBe(404)
  })

  it('a PostObject form posted to the domain uploads into the bound bucket and is confirmed', async () => {
    const form = (await api('/v1/sign/post', { json: { scope: 'multi', bucket: 'media-east', dir: 'media/alice/' } })).body as Form
    expect(new URL(form.host).hostname).toBe('media-cdn.localhost')
    const file = Buffer.from('posted through the domain')
    const res = await postForm(form, file, 'form.txt')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toMatchObject({ Status: 'OK', key: 'media/alice/form.txt', size: file.length })
    expect(await uploadedKeys()).toContain('media/alice/form.txt')
  })
})
