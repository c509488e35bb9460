import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomHex } from '../../../src/lib/crypto.js'
import { rpcSignature, rpcStringToSign } from '../../../src/sandbox/rpc-signature.js'
import { StsCredentialStore } from '../../../src/sandbox/sts-credential-store.js'
import { startSandboxSts, type RunningSandboxSts } from '../../../src/sandbox/sts-server.js'

const AK = 'SBXRPCKEY'
const SK = 'sandbox-rpc-secret'
let sts: RunningSandboxSts

const POLICY = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:bkt/u/*' }] })
const GOOD = { RoleArn: 'acs:ram::1234:role/app', RoleSessionName: 'u-alice', DurationSeconds: '3600', Policy: POLICY }

beforeAll(async () => {
  sts = await startSandboxSts({
    accounts: new Map([[AK, { accessKeySecret: SK, account: '1234' }]]),
    store: new StsCredentialStore(join(mkdtempSync(join(tmpdir(), 'ossvend-rpc-')), 'creds.json')),
    clock: () => new Date(),
    rateLimitPerSecond: 1000,
  })
})
afterAll(() => sts.close())

interface CallOptions {
  method?: 'GET' | 'POST'
  /** Where the parameters travel: all in the query, all in a form body (ali-oss), or split (@alicloud/credentials). */
  where?: 'query' | 'body' | 'split'
  secret?: string
  timestamp?: string
  nonce?: string
  format?: 'JSON' | 'XML' | null
  omit?: string[]
  extra?: Record<string, string>
  tamper?: (params: Map<string, string>) => void
  /** Changes the query as sent, after signing. */
  onQuery?: (query: URLSearchParams) => void
}

/** A hand-signed RPC AssumeRole, so that each test breaks one thing. */
async function rpc(business: Record<string, string>, opts: CallOptions = {}) {
  const method = opts.method ?? 'POST'
  const common: Record<string, string> = {
    Action: 'AssumeRole',
    Version: '2015-04-01',
    AccessKeyId: AK,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: opts.nonce ?? randomHex(16),
    Timestamp: opts.timestamp ?? `${new Date().toISOString().slice(0, 19)}Z`,
    ...(opts.format === null ? {} : { Format: opts.format ?? 'JSON' }),
    ...opts.extra,
  }
  const params = new Map(Object.entries({ ...common, ...business }))
  for (const k of opts.omit ?? []) params.delete(k)
  params.set('Signature', rpcSignature(opts.secret ?? SK, rpcStringToSign(method, params)))
  opts.tamper?.(params)
  const where = opts.where ?? 'query'
  const query = new URLSearchParams()
  const form = new URLSearchParams()
  for (const [k, v] of params) {
    const inBody = where === 'body' || (where === 'split' && k in business)
    ;(inBody ? form : query).set(k, v)
  }
  opts.onQuery?.(query)
  const res = await fetch(`${sts.url}/?${query}`, {
    method,
    ...(method === 'POST' && [...form].length > 0 ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() } : {}),
  })
  const text = await res.text()
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

describe('sandbox STS, RPC style (HMAC-SHA1, SignatureVersion 1.0)', () => {
  it.each([
    ['GET, every parameter in the query', { method: 'GET' as const, where: 'query' as const }],
    ['POST, every parameter in a form body (ali-oss OSS.STS)', { method: 'POST' as const, where: 'body' as const }],
    ['POST, signature in the query and business parameters in the body (@alicloud/credentials)', { method: 'POST' as const, where: 'split' as const }],
  ])('issues credentials for %s', async (_name, opts) => {
    const res = await rpc(GOOD, opts)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      RequestId: expect.any(String),
      AssumedRoleUser: { Arn: 'acs:ram::1234:role/app/u-alice' },
      Credentials: { AccessKeyId: expect.stringMatching(/^STS\./), Expiration: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) },
    })
    const id = (res.body.Credentials as { AccessKeyId: string }).AccessKeyId
    expect(sts.store.get(id)?.policy).toBe(POLICY)
  })

  it('accepts the ISO timestamp with milliseconds that ali-oss sends', async () => {
    expect((await rpc(GOOD, { timestamp: new Date().toISOString() })).status).toBe(200)
  })

  it('answers XML for Format=XML and when no Format is named, as POP does', async () => {
    const parser = new XMLParser()
    for (const format of ['XML', null] as const) {
      const res = await rpc(GOOD, { format })
      expect(res.status).toBe(200)
      expect(res.contentType).toMatch(/^text\/xml/)
      const xml = parser.parse(res.text) as { AssumeRoleResponse: { Credentials: { AccessKeyId: string }; AssumedRoleUser: { Arn: string } } }
      expect(xml.AssumeRoleResponse.Credentials.AccessKeyId).toMatch(/^STS\./)
      expect(xml.AssumeRoleResponse.AssumedRoleUser.Arn).toBe('acs:ram::1234:role/app/u-alice')
    }
    const error = await rpc(GOOD, { format: 'XML', secret: 'wrong' })
    expect(error.status).toBe(400)
    expect((parser.parse(error.text) as { Error: { Code: string } }).Error.Code).toBe('SignatureDoesNotMatch')
  })

  it.each([
    ['a wrong secret', {}, { secret: 'not-the-secret' }, 400, 'SignatureDoesNotMatch'],
    ['a parameter changed after signing', {}, { tamper: (p: Map<string, string>) => p.set('DurationSeconds', '900') }, 400, 'SignatureDoesNotMatch'],
    ['a signature that is not base64', {}, { tamper: (p: Map<string, string>) => p.set('Signature', 'not base64!') }, 400, 'IncompleteSignature'],
    ['the verb changed after signing', {}, { method: 'GET' as const, tamper: (p: Map<string, string>) => p.set('Signature', rpcSignature(SK, rpcStringToSign('POST', p))) }, 400, 'SignatureDoesNotMatch'],
    ['an unknown AccessKeyId', {}, { extra: { AccessKeyId: 'NOPE' } }, 404, 'InvalidAccessKeyId.NotFound'],
    ['a timestamp 20 minutes old', {}, { timestamp: `${new Date(Date.now() - 20 * 60_000).toISOString().slice(0, 19)}Z` }, 400, 'InvalidTimeStamp.Expired'],
    ['a timestamp 20 minutes ahead', {}, { timestamp: `${new Date(Date.now() + 20 * 60_000).toISOString().slice(0, 19)}Z` }, 400, 'InvalidTimeStamp.Expired'],
    ['a timestamp that is not ISO 8601 UTC', {}, { timestamp: 'Tue, 02 Jan 2024 03:04:05 GMT' }, 400, 'InvalidTimeStamp.Format'],
    ['no Timestamp', {}, { omit: ['Timestamp'] }, 400, 'MissingTimestamp'],
    ['no SignatureNonce', {}, { omit: ['SignatureNonce'] }, 400, 'MissingSignatureNonce'],
    ['no Signature', {}, { tamper: (p: Map<string, string>) => p.delete('Signature') }, 400, 'MissingSignature'],
    ['HMAC-SHA256 named as the method', {}, { extra: { SignatureMethod: 'HMAC-SHA256' } }, 400, 'InvalidSignatureMethod'],
    ['another action', {}, { extra: { Action: 'GetCallerIdentity' } }, 404, 'InvalidAction.NotFound'],
    ['another API version', {}, { extra: { Version: '2019-01-01' } }, 404, 'InvalidAction.NotFound'],
    ['a parameter given twice', {}, { where: 'split' as const, onQuery: (q: URLSearchParams) => q.append('RoleSessionName', 'u-bob') }, 400, 'InvalidParameter'],
    ['a duration under 900 s', { DurationSeconds: '899' }, {}, 400, 'InvalidParameter.DurationSeconds'],
    ["a duration over the role's maximum (3600 s)", { DurationSeconds: '3601' }, {}, 400, 'InvalidParameter.DurationSeconds'],
    ['a duration that is not a number', { DurationSeconds: '1e4' }, {}, 400, 'InvalidParameter.DurationSeconds'],
    ['a policy over 2048 characters', { Policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:*:bkt/${'x'.repeat(2100)}` }] }) }, {}, 400, 'InvalidParameter.PolicyLength'],
    ['a policy that is not RAM grammar', { Policy: '{"Version":"2012-10-17","Statement":[]}' }, {}, 400, 'InvalidParameter.PolicyGrammar'],
    ['no RoleArn', { RoleArn: '' }, {}, 400, 'MissingRoleArn'],
    ["another account's role", { RoleArn: 'acs:ram::9999:role/app' }, {}, 403, 'NoPermission'],
    ['a bad RoleSessionName', { RoleSessionName: 'alice+1' }, {}, 400, 'InvalidParameter.RoleSessionName'],
  ])('refuses %s with STS\'s code, never a 500', async (_name, business, opts, status, code) => {
    const before = sts.stats.issued
    const res = await rpc({ ...GOOD, ...business }, opts)
    expect(res.status).toBe(status)
    expect(res.body).toMatchObject({ Code: code, RequestId: expect.any(String), HostId: 'sts.aliyuncs.com', Message: expect.any(String) })
    expect(sts.stats.issued).toBe(before)
  })

  it('names its string to sign in SignatureDoesNotMatch, as STS does (clients compare it with theirs)', async () => {
    const res = await rpc(GOOD, { secret: 'not-the-secret' })
    const message = String(res.body.Message)
    expect(message.startsWith('Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D')).toBe(true)
    expect(message).not.toContain(SK)
  })

  it('refuses a replayed nonce, also across the two signature styles\' parameter placements', async () => {
    const nonce = randomHex(16)
    expect((await rpc(GOOD, { nonce })).status).toBe(200)
    const again = await rpc(GOOD, { nonce, where: 'body' })
    expect(again.status).toBe(400)
    expect(again.body.Code).toBe('SignatureNonceUsed')
  })

  it('shares the per-account call quota with ACS3 calls: Throttling.User past the limit', async () => {
    const limited = await startSandboxSts({
      accounts: new Map([[AK, { accessKeySecret: SK, account: '1234' }]]),
      store: new StsCredentialStore(),
      clock: () => new Date(),
      rateLimitPerSecond: 3,
    })
    try {
      const url = limited.url
      const results = await Promise.all(Array.from({ length: 6 }, async () => {
        const params = new Map(Object.entries({ ...GOOD, Action: 'AssumeRole', Version: '2015-04-01', AccessKeyId: AK, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomHex(16), Timestamp: `${new Date().toISOString().slice(0, 19)}Z`, Format: 'JSON' }))
        params.set('Signature', rpcSignature(SK, rpcStringToSign('GET', params)))
        const res = await fetch(`${url}/?${new URLSearchParams([...params])}`)
        return { status: res.status, code: ((await res.json()) as { Code?: string }).Code }
      }))
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(3)
      expect(results.some((r) => r.code === 'Throttling.User')).toBe(true)
    } finally {
      await limited.close()
    }
  })
})

describe('sandbox STS control endpoint', () => {
  it('refuses fault changes without the control credential, and takes them with it', async () => {
    const controlled = await startSandboxSts({
      accounts: new Map([[AK, { accessKeySecret: SK, account: '1234' }]]),
      store: new StsCredentialStore(),
      clock: () => new Date(),
      rateLimitPerSecond: 10,
      isController: (headers) => headers.authorization === 'Bearer let-me-in',
    })
    try {
      const put = (headers: Record<string, string>, body: unknown) => fetch(`${controlled.url}/__sandbox/faults`, { method: 'PUT', headers, body: JSON.stringify(body) })
      const anonymous = await put({}, { mode: 'server-error' })
      expect(anonymous.status).toBe(403)
      expect(((await anonymous.json()) as { Code: string }).Code).toBe('AccessDenied')
      expect((await put({ authorization: 'Bearer wrong' }, { mode: 'server-error' })).status).toBe(403)
      expect((await fetch(`${controlled.url}/__sandbox/faults`)).status).toBe(403)
      expect(controlled.faults.settings.mode).toBe('none')
      expect((await put({ authorization: 'Bearer let-me-in' }, { mode: 'nonsense' })).status).toBe(400)
      expect((await put({ authorization: 'Bearer let-me-in' }, { mode: 'throttle', __proto__: { x: 1 } })).status).toBe(200)
      expect(controlled.faults.settings.mode).toBe('throttle')
    } finally {
      await controlled.close()
    }
  })
})
