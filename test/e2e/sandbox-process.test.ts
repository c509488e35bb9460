import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAlibabaStsClient } from '../../src/sts/alibaba-client.js'
import { startServerProcess, writeTestConfig, type ServerProcess } from '../helpers/process.js'
import { loadVectorFile, ROOT } from '../helpers/vectors.js'

const require = createRequire(import.meta.url)
type Client = Record<string, (...a: unknown[]) => Promise<{ res: { status: number; headers: Record<string, string> }; content?: Buffer }>>
const OSS = require('ali-oss') as new (o: object) => Client

let server: ServerProcess
let configPath: string
const running: ServerProcess[] = []
afterAll(() => {
  for (const p of running) p.child.kill('SIGKILL')
})

function dataDirOf(path: string): string {
  return (JSON.parse(readFileSync(path, 'utf8')) as { sandbox: { dataDir: string } }).sandbox.dataDir
}

function rootKeys(path: string): { accessKeyId: string; accessKeySecret: string } {
  return JSON.parse(readFileSync(join(dataDirOf(path), 'root-credentials.json'), 'utf8')) as { accessKeyId: string; accessKeySecret: string }
}

const ossClient = (creds: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) =>
  new OSS({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    ...(creds.securityToken ? { stsToken: creds.securityToken, refreshSTSToken: async () => creds } : {}),
    endpoint: server.ossUrl,
    bucket: 'app-base-oss',
    region: 'oss-cn-hangzhou',
    secure: false,
    timeout: 20_000,
  })

const outcome = (p: Promise<unknown>) => p.then(() => 'Allow', (e: { status?: number; code?: string }) => (e.status === 403 ? 'Denied' : `${e.status} ${e.code}`))

beforeAll(async () => {
  // The role itself has full access (as with AliyunOSSFullAccess in the seed), so each session
  // policy alone decides, as in the seed's tables.
  configPath = writeTestConfig({})
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { policies: { rolePolicies: string[] } }
  config.policies.rolePolicies = [join(ROOT, 'policies/seed/p1-full-access.json')]
  require('node:fs').writeFileSync(configPath, JSON.stringify(config))
  server = await startServerProcess(configPath)
  running.push(server)
  const owner = ossClient(rootKeys(configPath))
  await owner.put!('test.txt', Buffer.from('root object'))
  await owner.put!('user1/test.txt', Buffer.from('user1 object'))
})

interface MatrixCase {
  name: string
  policyFile: string
  row: string
  expected: string
}

describe('the seed 3.1 matrix, over the wire (npm start, sandbox STS and OSS, ali-oss client)', () => {
  const cases = loadVectorFile<MatrixCase>('policy/seed-matrix.json').cases.filter((c) => c.policyFile.startsWith('policies/seed/'))
  const policies = [...new Set(cases.map((c) => c.policyFile))]

  it.each(policies)('%s: every operation as the engine predicts', async (policyFile) => {
    const sts = createAlibabaStsClient({ endpoint: server.stsUrl, credentials: rootKeys(configPath), timeoutMs: 5000 })
    const policy = JSON.stringify(JSON.parse(readFileSync(join(ROOT, policyFile), 'utf8')))
    const creds = await sts.assumeRole({ roleArn: 'acs:ram::1234:role/ossvend-app', sessionName: 'seed-matrix', policy, durationSec: 900 })
    const c = ossClient(creds)
    const run: Record<string, () => Promise<unknown>> = {
      'list-buckets': () => c.listBuckets!(),
      'put-root': () => c.put!('test.txt', Buffer.from('root object')),
      'get-root': () => c.get!('test.txt'),
      'put-user': () => c.put!('user1/test.txt', Buffer.from('user1 object')),
      'get-user': () => c.get!('user1/test.txt'),
      'list-root': () => c.list!({ 'max-keys': 10 }),
      'list-user': () => c.list!({ prefix: 'user1/', 'max-keys': 10 }),
    }
    const got: Record<string, string> = {}
    const want: Record<string, string> = {}
    for (const cell of cases.filter((x) => x.policyFile === policyFile)) {
      got[cell.row] = await outcome(run[cell.row]!())
      want[cell.row] = cell.expected === 'Allow' ? 'Allow' : 'Denied'
    }
    expect(got).toEqual(want)
  })
})

describe('users through ossvend (npm start)', () => {
  it('isolates alice from bob over the wire, and serves virtual-host style too', async () => {
    const login = async (username: string, password: string) => {
      const res = await fetch(`${server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
      const token = ((await res.json()) as { accessToken: string }).accessToken
      return (await (await fetch(`${server.url}/v1/sts?scope=read-write`, { headers: { authorization: `Bearer ${token}` } })).json()) as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string }
    }
    const alice = await login('alice', 'alice-sandbox-password')
    const bob = await login('bob', 'bob-sandbox-password')
    const a = ossClient({ accessKeyId: alice.AccessKeyId, accessKeySecret: alice.AccessKeySecret, securityToken: alice.SecurityToken })
    const b = ossClient({ accessKeyId: bob.AccessKeyId, accessKeySecret: bob.AccessKeySecret, securityToken: bob.SecurityToken })
    await b.put!('bob/private.txt', Buffer.from('bob'))
    expect(await outcome(a.get!('bob/private.txt'))).toBe('Denied')
    expect(await outcome(a.put!('bob/x.txt', Buffer.from('x')))).toBe('Denied')
    expect(await outcome(a.list!({ prefix: 'bob/' }))).toBe('Denied')
    expect(await outcome(a.list!({}))).toBe('Denied')
    expect(await outcome(a.put!('alice/mine.txt', Buffer.from('mine')))).toBe('Allow')
    // Virtual-host style: the bucket in the Host header (anonymous read of a private bucket is refused as AccessDenied, not NoSuchBucket).
    const port = new URL(server.ossUrl).port
    const status = await new Promise<number>((resolve) => {
      httpRequest({ host: '127.0.0.1', port, path: '/alice/mine.txt', headers: { host: `app-base-oss.localhost:${port}` } }, (res) => resolve(res.statusCode ?? 0)).end()
    })
    expect(status).toBe(403)
  })
})

describe('signed URLs and forms from ossvend, against the sandbox process', () => {
  it('accepts them as issued and refuses them tampered', async () => {
    const login = await fetch(`${server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-sandbox-password' }) })
    const token = ((await login.json()) as { accessToken: string }).accessToken
    const call = async (path: string, body: object) => (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>
    const put = (await call('/v1/sign/url', { key: 'alice/e2e.txt', method: 'PUT', contentType: 'text/plain' })) as { url: string; headers: Record<string, string> }
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'end to end' })).status).toBe(200)
    const get = (await call('/v1/sign/url', { key: 'alice/e2e.txt', method: 'GET' })) as { url: string }
    expect(await (await fetch(get.url)).text()).toBe('end to end')
    expect((await fetch(get.url.replace('e2e.txt', 'e2f.txt'))).status).toBe(403)
    const form = (await call('/v1/sign/post', { dir: 'alice/forms/' })) as { host: string; fields: { name: string; value: string }[] }
    const body = new FormData()
    for (const f of form.fields) body.append(f.name, f.value)
    body.append('file', new Blob(['form upload']), 'f.txt')
    const posted = await fetch(form.host, { method: 'POST', body })
    expect(posted.status).toBe(200)
    expect(await posted.json()).toMatchObject({ Status: 'OK', key: 'alice/forms/f.txt', size: 11 })
    const tampered = new FormData()
    for (const f of form.fields) tampered.append(f.name, f.name === 'policy' ? Buffer.from(Buffer.from(f.value, 'base64').toString().replace('forms/', 'other/')).toString('base64') : f.value)
    tampered.append('file', new Blob(['x']), 'g.txt')
    expect((await fetch(form.host, { method: 'POST', body: tampered })).status).toBe(403)
  })
})

describe('crash safety', () => {
  it('kill -9 during a large upload leaves no partial object, and issued credentials survive the restart', async () => {
    const sts = createAlibabaStsClient({ endpoint: server.stsUrl, credentials: rootKeys(configPath), timeoutMs: 5000 })
    const creds = await sts.assumeRole({ roleArn: 'acs:ram::1234:role/ossvend-app', sessionName: 'crash', policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:app-base-oss/crash/*' }] }), durationSec: 900 })
    const { presignUrlV4 } = await import('../../src/oss/sign-v4.js')
    const { url } = presignUrlV4({ credentials: creds, endpoint: { url: server.ossUrl, style: 'path' }, region: 'cn-hangzhou', bucket: 'app-base-oss', key: 'crash/big.bin', method: 'PUT', now: new Date(), expiresInSec: 600 })
    const target = new URL(url)
    // Start a 64 MiB upload, send 8 MiB, then kill the server.
    const upload = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'PUT', headers: { 'content-length': String(64 * 1024 * 1024) } })
    upload.on('error', () => undefined)
    for (let i = 0; i < 8; i++) upload.write(Buffer.alloc(1024 * 1024, i))
    await new Promise((r) => setTimeout(r, 300))
    server.child.kill('SIGKILL')
    await server.exited()
    upload.destroy()

    server = await startServerProcess(configPath)
    running.push(server)
    const c = ossClient(creds)
    expect(await outcome(c.head!('crash/big.bin'))).toBe('404 NoSuchKey')
    const tmpFiles = require('node:fs').readdirSync(join(dataDirOf(configPath), 'oss', 'tmp')) as string[]
    expect(tmpFiles).toEqual([])
    // The credentials issued before the crash still work against the restarted sandbox.
    expect(await outcome(c.put!('crash/small.txt', Buffer.from('after restart')))).toBe('Allow')
    expect(dirname(configPath)).toBeTruthy()
  })
})
