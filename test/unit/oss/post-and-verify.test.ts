import { generateKeyPairSync, createSign } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { callbackAuthString, checkPublicKeyUrl, encodeCallbackParam, verifyCallback } from '../../../src/oss/callback.js'
import { buildPostFormV1, buildPostFormV4, postSignatureV1, postSignatureV4, type PostPolicySpec } from '../../../src/oss/post-policy.js'
import { authorizationV1, presignUrlV1, stringToSignV1 } from '../../../src/oss/sign-v1.js'
import { authorizationV4, presignUrlV4, v4Timestamp } from '../../../src/oss/sign-v4.js'
import { verifyRequest, type ReceivedRequest } from '../../../src/oss/verify.js'
import { verifyPostForm } from '../../../src/oss/verify-post.js'
import { loadVectorFile } from '../../helpers/vectors.js'

const NOW = new Date('2026-11-25T10:00:00Z')
const STS = { accessKeyId: 'STS.alice', accessKeySecret: 'alice-secret', securityToken: 'CAIS-token+/=' }
const lookup = (id: string) => (id === STS.accessKeyId ? { accessKeySecret: STS.accessKeySecret, securityToken: STS.securityToken, expiresAt: NOW.getTime() + 900_000 } : undefined)
const ENDPOINT = { url: 'http://127.0.0.1:9000', style: 'path' as const }

/** Parses a signed URL back into what a server receives. */
function received(url: string, method: string, headers: Record<string, string> = {}): ReceivedRequest {
  const u = new URL(url)
  const [, bucket = '', ...rest] = u.pathname.split('/')
  const query: Record<string, string | null> = {}
  for (const [k, v] of u.searchParams) query[k] = v
  return { method, bucket, key: decodeURIComponent(rest.join('/')), query, headers }
}

describe('post policy vectors', () => {
  const vectors = loadVectorFile<{ name: string; version: 'v1' | 'v4'; secret: string; region?: string; now?: string; policy: string; expected: string }>('oss/post-policy.json')
  it.each(vectors.cases)('$name', ({ version, secret, region, now, policy, expected }) => {
    const b64 = Buffer.from(policy).toString('base64')
    expect(version === 'v1' ? postSignatureV1(secret, b64) : postSignatureV4(secret, b64, region as string, new Date(now as string))).toBe(expected)
  })
})

// Dot segments are left out: URL parsers resolve them (the API refuses such keys, see object-key.ts).
const key = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((k) => !k.startsWith('/') && [...k].every((c) => c >= ' ') && k.split('/').every((s) => s !== '.' && s !== '..'))

describe('sign, then verify', () => {
  it('accepts every V1 and V4 signed URL it makes, and refuses it when any byte changes', () => {
    fc.assert(
      fc.property(key, fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE'), fc.integer({ min: 1, max: 3600 }), fc.boolean(), (k, method, ttl, v4) => {
        const headers: Record<string, string> = method === 'PUT' ? { 'content-type': 'image/png' } : {}
        const url = v4
          ? presignUrlV4({ credentials: STS, endpoint: ENDPOINT, region: 'cn-hangzhou', bucket: 'bkt', key: `alice/${k}`, method, now: NOW, expiresInSec: ttl, headers }).url
          : presignUrlV1({ credentials: STS, endpoint: ENDPOINT, bucket: 'bkt', key: `alice/${k}`, method, expires: Math.floor(NOW.getTime() / 1000) + ttl, headers }).url
        expect(verifyRequest(received(url, method, headers), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: true, signedUrl: true })
        // Another key, another method, another content type, a stripped token: all refused.
        expect(verifyRequest({ ...received(url, method, headers), key: `bob/${k}` }, lookup, NOW, 'cn-hangzhou').ok).toBe(false)
        expect(verifyRequest(received(url, method === 'GET' ? 'PUT' : 'GET', headers), lookup, NOW, 'cn-hangzhou').ok).toBe(false)
        if (method === 'PUT') expect(verifyRequest(received(url, method, { 'content-type': 'text/html' }), lookup, NOW, 'cn-hangzhou').ok).toBe(false)
        const r = received(url, method, headers)
        const tokenParam = v4 ? 'x-oss-security-token' : 'security-token'
        expect(verifyRequest({ ...r, query: { ...r.query, [tokenParam]: 'other' } }, lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false })
      }),
      { numRuns: 300 },
    )
  })

  it('refuses expired URLs, V4 expiries over 7 days, and unknown keys', () => {
    const v1 = presignUrlV1({ credentials: STS, endpoint: ENDPOINT, bucket: 'bkt', key: 'a', method: 'GET', expires: Math.floor(NOW.getTime() / 1000) + 60 })
    expect(verifyRequest(received(v1.url, 'GET'), lookup, new Date(NOW.getTime() + 61_000), 'cn-hangzhou')).toMatchObject({ ok: false, code: 'AccessDenied' })
    const v4 = presignUrlV4({ credentials: STS, endpoint: ENDPOINT, region: 'cn-hangzhou', bucket: 'bkt', key: 'a', method: 'GET', now: NOW, expiresInSec: 60 })
    expect(verifyRequest(received(v4.url, 'GET'), lookup, new Date(NOW.getTime() + 61_000), 'cn-hangzhou')).toMatchObject({ ok: false, code: 'AccessDenied' })
    const r = received(v4.url, 'GET')
    expect(verifyRequest({ ...r, query: { ...r.query, 'x-oss-expires': '604801' } }, lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'InvalidArgument' })
    expect(() => presignUrlV4({ credentials: STS, endpoint: ENDPOINT, region: 'cn-hangzhou', bucket: 'bkt', key: 'a', method: 'GET', now: NOW, expiresInSec: 604_801 })).toThrow(RangeError)
    expect(verifyRequest(received(v1.url.replace('STS.alice', 'STS.mallory'), 'GET'), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'InvalidAccessKeyId' })
    expect(verifyRequest(received(v1.url, 'GET'), lookup, new Date(NOW.getTime() + 30_000), 'cn-hangzhou').ok).toBe(true)
    const late = verifyRequest(received(v1.url, 'GET'), (id) => ({ ...lookup(id)!, expiresAt: NOW.getTime() - 1 }), NOW, 'cn-hangzhou')
    expect(late).toMatchObject({ ok: false, code: 'SecurityTokenExpired' })
  })

  it('accepts V1 and V4 header signatures within 15 minutes of skew, and refuses beyond', () => {
    for (const skewMs of [0, 14 * 60_000, -14 * 60_000, 16 * 60_000]) {
      const at = new Date(NOW.getTime() + skewMs)
      const date = at.toUTCString()
      const v1Headers = { 'x-oss-date': date, 'content-type': 'text/plain', 'x-oss-security-token': STS.securityToken }
      const v1 = authorizationV1(STS.accessKeyId, STS.accessKeySecret, stringToSignV1({ method: 'PUT', bucket: 'bkt', key: 'alice/a', date, headers: v1Headers, query: { acl: null } }))
      const v4Headers = { 'x-oss-date': v4Timestamp(at).datetime, 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD', 'x-oss-security-token': STS.securityToken, host: 'bkt.example' }
      const v4 = authorizationV4({ credentials: STS, region: 'cn-hangzhou', now: at, method: 'PUT', bucket: 'bkt', key: 'alice/a', query: { acl: null }, headers: v4Headers, additionalHeaders: ['host'] })
      const okV1 = verifyRequest({ method: 'PUT', bucket: 'bkt', key: 'alice/a', query: { acl: null }, headers: { ...v1Headers, authorization: v1 } }, lookup, NOW, 'cn-hangzhou')
      const okV4 = verifyRequest({ method: 'PUT', bucket: 'bkt', key: 'alice/a', query: { acl: null }, headers: { ...v4Headers, authorization: v4.authorization } }, lookup, NOW, 'cn-hangzhou')
      const expected = Math.abs(skewMs) <= 15 * 60_000
      expect([okV1.ok, okV4.ok]).toEqual([expected, expected])
      if (!expected) expect(okV1).toMatchObject({ code: 'RequestTimeTooSkewed' })
      const tampered = verifyRequest({ method: 'PUT', bucket: 'bkt', key: 'alice/a', query: { acl: null }, headers: { ...v4Headers, host: 'other.example', authorization: v4.authorization } }, lookup, NOW, 'cn-hangzhou')
      expect(tampered.ok).toBe(false)
    }
  })

  it('treats a request with no signature as anonymous', () => {
    expect(verifyRequest({ method: 'GET', bucket: 'bkt', key: 'a', query: {}, headers: {} }, lookup, NOW, 'cn-hangzhou')).toEqual({ ok: true, anonymous: true, signedUrl: false })
  })
})

describe('PostObject forms', () => {
  const spec: PostPolicySpec = {
    bucket: 'bkt',
    expiration: new Date(NOW.getTime() + 600_000),
    key: { startsWith: 'alice/uploads/' },
    contentLength: { min: 1, max: 1024 },
    contentTypes: ['image/png', 'image/jpeg'],
    successActionStatus: '200',
    forbidOverwrite: true,
    serverSideEncryption: { algorithm: 'AES256' },
    callback: encodeCallbackParam({ url: 'https://app.example/v1/oss/callback', body: 'object=${object}&size=${size}&crc64=${crc64}&ticket=${x:ticket}' }),
    callbackVars: { 'x:ticket': 't-123' },
  }

  const upload = (fields: readonly (readonly [string, string])[], extra: Record<string, string> = {}, fileSize = 10) => ({
    bucket: 'bkt',
    fields: { ...Object.fromEntries(fields.map(([k, v]) => [k, v.replace('${filename}', 'cat.png')])), 'Content-Type': 'image/png', ...extra },
    fileSize,
  })

  for (const version of ['v1', 'v4'] as const) {
    const form = version === 'v1' ? buildPostFormV1(spec, STS, ENDPOINT) : buildPostFormV4(spec, STS, ENDPOINT, 'cn-hangzhou', NOW)

    it(`${version}: lists the fields in send order with key first, and binds every value in the policy`, () => {
      expect(form.fields[0]).toEqual(['key', 'alice/uploads/${filename}'])
      expect(form.fields.map(([n]) => n)).toContain('policy')
      expect(form.host).toBe('http://127.0.0.1:9000/bkt')
      const policy = JSON.parse(form.policyText) as { conditions: unknown[] }
      expect(policy.conditions).toEqual(expect.arrayContaining([
        { bucket: 'bkt' },
        ['starts-with', '$key', 'alice/uploads/'],
        ['content-length-range', 1, 1024],
        ['eq', '$success_action_status', '200'],
        ['in', '$content-type', ['image/png', 'image/jpeg']],
        ['eq', '$x-oss-forbid-overwrite', 'true'],
        ['eq', '$x-oss-server-side-encryption', 'AES256'],
        ['eq', '$x:ticket', 't-123'],
      ]))
      if (version === 'v4') expect(policy.conditions).toEqual(expect.arrayContaining([{ 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }, { 'x-oss-security-token': STS.securityToken }]))
    })

    it(`${version}: verifies, and refuses every violation with OSS's code`, () => {
      expect(verifyPostForm(upload(form.fields), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: true, key: 'alice/uploads/cat.png', version })
      expect(verifyPostForm(upload(form.fields, {}, 1025), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'EntityTooLarge' })
      expect(verifyPostForm(upload(form.fields, {}, 0), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'EntityTooSmall' })
      expect(verifyPostForm(upload(form.fields, { 'Content-Type': 'text/html' }), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'AccessDenied' })
      expect(verifyPostForm(upload(form.fields, { key: 'bob/x.png' }), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'AccessDenied' })
      expect(verifyPostForm(upload(form.fields, { 'x:ticket': 'forged' }), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'AccessDenied' })
      expect(verifyPostForm({ ...upload(form.fields), bucket: 'other' }, lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'AccessDenied' })
      expect(verifyPostForm(upload(form.fields), lookup, new Date(NOW.getTime() + 601_000), 'cn-hangzhou')).toMatchObject({ ok: false, code: 'AccessDenied', message: expect.stringContaining('Policy expired') })
      const policy = form.fields.find(([n]) => n === 'policy')?.[1] as string
      const tampered = Buffer.from(Buffer.from(policy, 'base64').toString().replace('1024', '9999')).toString('base64')
      expect(verifyPostForm(upload(form.fields, { policy: tampered }), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' })
      expect(verifyPostForm(upload(form.fields, { 'x-oss-security-token': 'other' }), lookup, NOW, 'cn-hangzhou')).toMatchObject({ ok: false, code: 'InvalidSecurityToken' })
    })
  }

  it('refuses specs the server should never sign', () => {
    expect(() => buildPostFormV1({ ...spec, key: { startsWith: 'alice' } }, STS, ENDPOINT)).toThrow(RangeError)
    expect(() => buildPostFormV1({ ...spec, contentLength: { min: 5, max: 1 } }, STS, ENDPOINT)).toThrow(RangeError)
    expect(() => buildPostFormV1({ ...spec, callbackVars: { ticket: 'x' } }, STS, ENDPOINT)).toThrow(RangeError)
  })
})

describe('upload callbacks', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const sign = (path: string, query: string, body: string) =>
    createSign('RSA-MD5').update(callbackAuthString(path, query, Buffer.from(body))).sign(privateKey).toString('base64')
  const keyUrl = (url: string) => Buffer.from(url).toString('base64')
  const good = keyUrl('https://gosspublic.alicdn.com/callback_pub_key_v1.pem')

  it('accepts a callback signed over the decoded path, raw query and raw body', async () => {
    const body = '{"object":"alice/a b.png","size":10}'
    const fetched: string[] = []
    const verdict = await verifyCallback(
      { rawPath: '/v1/oss/callback%20x', rawQuery: 'a=1&b=%2F', body: Buffer.from(body), authorization: sign('/v1/oss/callback%20x', 'a=1&b=%2F', body), publicKeyUrl: good },
      async (url) => (fetched.push(url.href), pem),
    )
    expect(verdict).toEqual({ ok: true, keyUrl: 'https://gosspublic.alicdn.com/callback_pub_key_v1.pem' })
    expect(fetched).toEqual(['https://gosspublic.alicdn.com/callback_pub_key_v1.pem'])
  })

  it('refuses a body changed by one byte, reordered JSON, a changed query, and a forged signature', async () => {
    const body = '{"object":"alice/a.png","size":10}'
    const authorization = sign('/cb', '', body)
    const check = (b: string, q = '') => verifyCallback({ rawPath: '/cb', rawQuery: q, body: Buffer.from(b), authorization, publicKeyUrl: good }, async () => pem)
    expect((await check(body)).ok).toBe(true)
    expect(await check(body.replace('10', '11'))).toEqual({ ok: false, reason: 'bad-signature' })
    expect(await check('{"size":10,"object":"alice/a.png"}')).toEqual({ ok: false, reason: 'bad-signature' })
    expect(await check(body, 'x=1')).toEqual({ ok: false, reason: 'bad-signature' })
    const forged = await verifyCallback({ rawPath: '/cb', rawQuery: '', body: Buffer.from(body), authorization: Buffer.from('forged').toString('base64'), publicKeyUrl: good }, async () => pem)
    expect(forged).toEqual({ ok: false, reason: 'bad-signature' })
  })

  it('refuses foreign key hosts and http before fetching anything', async () => {
    const fetched: string[] = []
    for (const url of [
      'https://evil.example/key.pem',
      'https://gosspublic.alicdn.com.evil.example/key.pem',
      'https://gosspublicXalicdnYcom/key.pem',
      'http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'http://127.0.0.1/key.pem',
      'file:///etc/passwd',
      'https://user:pw@gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/not-a-key',
    ]) {
      const verdict = await verifyCallback({ rawPath: '/cb', rawQuery: '', body: Buffer.from('{}'), authorization: 'eA==', publicKeyUrl: keyUrl(url) }, async (u) => (fetched.push(u.href), pem))
      expect(verdict, url).toEqual({ ok: false, reason: 'key-url-refused' })
    }
    expect(fetched).toEqual([])
    expect(checkPublicKeyUrl(keyUrl('http://127.0.0.1:9000/sandbox/callback-key.pem'), { httpsHosts: [], httpHosts: ['127.0.0.1:9000'] })?.host).toBe('127.0.0.1:9000')
  })
})
