import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acs3Signature, acs3StringToSign } from '../../../src/sandbox/acs3-signature.js'
import { StsCredentialStore } from '../../../src/sandbox/sts-credential-store.js'
import { startSandboxSts, type RunningSandboxSts } from '../../../src/sandbox/sts-server.js'
import { createAlibabaStsClient } from '../../../src/sts/alibaba-client.js'
import { StsCallError } from '../../../src/sts/types.js'
import { randomHex, sha256Hex } from '../../../src/lib/crypto.js'

const AK = 'SBXTESTKEY'
const SK = 'sandbox-test-secret'
const dir = mkdtempSync(join(tmpdir(), 'ossvend-sts-'))
let sts: RunningSandboxSts

const POLICY = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:bkt/u/*' }] })
const GOOD = { RoleArn: 'acs:ram::1234:role/app', RoleSessionName: 'u-alice', DurationSeconds: '900', Policy: POLICY }

beforeAll(async () => {
  sts = await startSandboxSts({
    accounts: new Map([[AK, { accessKeySecret: SK, account: '1234' }]]),
    store: new StsCredentialStore(join(dir, 'creds.json')),
    clock: () => new Date(),
    rateLimitPerSecond: 20,
  })
})
afterAll(() => sts.close())

/** A hand-signed AssumeRole, so tests can break one thing at a time. */
async function call(params: Record<string, string>, opts: { secret?: string; date?: Date; nonce?: string; tamper?: (q: URLSearchParams) => void; ak?: string; noAuth?: boolean } = {}) {
  const query = new URLSearchParams(params)
  const headers: Record<string, string> = {
    host: sts.endpoint,
    'x-acs-action': 'AssumeRole',
    'x-acs-version': '2015-04-01',
    'x-acs-date': `${(opts.date ?? new Date()).toISOString().slice(0, 19)}Z`,
    'x-acs-signature-nonce': opts.nonce ?? randomHex(16),
    'x-acs-content-sha256': sha256Hex(''),
  }
  const signed = Object.keys(headers).sort()
  const { stringToSign } = acs3StringToSign({ method: 'POST', path: '/', query: new Map(query), headers, signedHeaders: signed, payloadHash: sha256Hex('') })
  const signature = acs3Signature(opts.secret ?? SK, stringToSign)
  opts.tamper?.(query)
  const res = await fetch(`${sts.url}/?${query}`, {
    method: 'POST',
    headers: {
      ...headers,
      ...(opts.noAuth ? {} : { authorization: `ACS3-HMAC-SHA256 Credential=${opts.ak ?? AK},SignedHeaders=${signed.join(';')},Signature=${signature}` }),
    },
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
}

describe('sandbox STS', () => {
  it('answers the real SDK with STS.-prefixed credentials bound to the session policy', async () => {
    const client = createAlibabaStsClient({ endpoint: sts.url, credentials: { accessKeyId: AK, accessKeySecret: SK }, timeoutMs: 2000 })
    const creds = await client.assumeRole({ roleArn: GOOD.RoleArn, sessionName: 'u-alice', policy: POLICY, durationSec: 900 })
    expect(creds.accessKeyId).toMatch(/^STS\./)
    expect(creds.expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    const issued = sts.store.get(creds.accessKeyId)
    expect(issued).toMatchObject({ policy: POLICY, sessionName: 'u-alice', account: '1234', securityToken: creds.securityToken })
  })

  it('answers a hand-signed request with STS JSON', async () => {
    const res = await call(GOOD)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      RequestId: expect.any(String),
      AssumedRoleUser: { Arn: 'acs:ram::1234:role/app/u-alice', AssumedRoleId: expect.stringMatching(/:u-alice$/) },
      Credentials: { AccessKeyId: expect.stringMatching(/^STS\./), AccessKeySecret: expect.any(String), SecurityToken: expect.any(String), Expiration: expect.any(String) },
    })
  })

  it.each([
    ['a wrong secret', {}, { secret: 'wrong' }, 400, 'SignatureDoesNotMatch'],
    ['a parameter changed after signing', {}, { tamper: (q: URLSearchParams) => q.set('DurationSeconds', '3600') }, 400, 'SignatureDoesNotMatch'],
    ['a stale date', {}, { date: new Date(Date.now() - 20 * 60_000) }, 400, 'InvalidTimeStamp.Expired'],
    ['an unknown AccessKey', {}, { ak: 'NOPE' }, 404, 'InvalidAccessKeyId.NotFound'],
    ['no Authorization', {}, { noAuth: true }, 400, 'IncompleteSignature'],
    ['a bad RoleSessionName', { RoleSessionName: 'alice+1' }, {}, 400, 'InvalidParameter.RoleSessionName'],
    ['a one-character RoleSessionName', { RoleSessionName: 'a' }, {}, 400, 'InvalidParameter.RoleSessionName'],
    ['a short duration', { DurationSeconds: '899' }, {}, 400, 'InvalidParameter.DurationSeconds'],
    ['a long duration', { DurationSeconds: '43201' }, {}, 400, 'InvalidParameter.DurationSeconds'],
    ['a bad RoleArn', { RoleArn: 'acs:ram::x:role' }, {}, 400, 'InvalidParameter.RoleArn'],
    ["another account's role", { RoleArn: 'acs:ram::9999:role/app' }, {}, 403, 'NoPermission'],
    ['a policy over 2048 characters', { Policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:*:bkt/${'x'.repeat(2100)}` }] }) }, {}, 400, 'InvalidParameter.PolicyLength'],
    ['a policy that is not RAM grammar', { Policy: '{"Version":"2012-10-17","Statement":[]}' }, {}, 400, 'InvalidParameter.PolicyGrammar'],
    ['a policy that is not JSON', { Policy: '{"Version":' }, {}, 400, 'InvalidParameter.PolicyGrammar'],
  ])('refuses %s', async (_name, params, opts, status, code) => {
    const res = await call({ ...GOOD, ...params }, opts)
    expect(res.status).toBe(status)
    expect(res.body).toMatchObject({ Code: code, RequestId: expect.any(String), HostId: 'sts.aliyuncs.com', Message: expect.any(String) })
  })

  it('refuses a replayed nonce', async () => {
    const nonce = randomHex(16)
    expect((await call(GOOD, { nonce })).status).toBe(200)
    expect((await call(GOOD, { nonce })).body.Code).toBe('SignatureNonceUsed')
  })

  it('limits each account to its calls per second with Throttling.User and x-acs-retry-after', async () => {
    await new Promise((r) => setTimeout(r, 1000))
    const results = await Promise.all(Array.from({ length: 25 }, () => call(GOOD)))
    const throttled = results.filter((r) => r.body.Code === 'Throttling.User')
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(20)
    expect(throttled.length).toBeGreaterThanOrEqual(5)
    expect(Number(throttled[0]?.headers.get('x-acs-retry-after'))).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 1100))
  })

  it('keeps issued credentials across a restart (its data file)', async () => {
    const res = await call(GOOD)
    const id = (res.body.Credentials as { AccessKeyId: string }).AccessKeyId
    expect(new StsCredentialStore(join(dir, 'creds.json')).get(id)?.policy).toBe(POLICY)
  })

  it('makes the SDK throw errors ossvend classifies correctly', async () => {
    const wrong = createAlibabaStsClient({ endpoint: sts.url, credentials: { accessKeyId: AK, accessKeySecret: 'bad' }, timeoutMs: 2000 })
    await expect(wrong.assumeRole({ roleArn: GOOD.RoleArn, sessionName: 'u-a', policy: POLICY, durationSec: 900 })).rejects.toMatchObject({ kind: 'forbidden', stsCode: 'SignatureDoesNotMatch' })
    const client = createAlibabaStsClient({ endpoint: sts.url, credentials: { accessKeyId: AK, accessKeySecret: SK }, timeoutMs: 2000 })
    await expect(client.assumeRole({ roleArn: GOOD.RoleArn, sessionName: 'u-a', policy: '{}', durationSec: 900 })).rejects.toMatchObject({ kind: 'rejected', stsCode: 'InvalidParameter.PolicyGrammar' })
    sts.faults.set({ mode: 'throttle', remaining: 1, retryAfterMs: 1500 })
    const err = await client.assumeRole({ roleArn: GOOD.RoleArn, sessionName: 'u-a', policy: POLICY, durationSec: 900 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StsCallError)
    expect(err).toMatchObject({ kind: 'throttled', stsCode: 'Throttling.User' })
    sts.faults.set({ mode: 'server-error', remaining: 1 })
    await expect(client.assumeRole({ roleArn: GOOD.RoleArn, sessionName: 'u-a', policy: POLICY, durationSec: 900 })).rejects.toMatchObject({ kind: 'retryable' })
    const closed = createAlibabaStsClient({ endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: AK, accessKeySecret: SK }, timeoutMs: 500 })
    await expect(closed.assumeRole({ roleArn: GOOD.RoleArn, sessionName: 'u-a', policy: POLICY, durationSec: 900 })).rejects.toMatchObject({ kind: 'retryable' })
  })
})
