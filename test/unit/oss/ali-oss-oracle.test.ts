import { createRequire } from 'node:module'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { postSignatureV1, postSignatureV4 } from '../../../src/oss/post-policy.js'
import { presignUrlV1, signatureV1, stringToSignV1 } from '../../../src/oss/sign-v1.js'
import { authorizationV4, presignUrlV4, v4Timestamp } from '../../../src/oss/sign-v4.js'

// ali-oss 6.23.0 is the oracle: a real client nobody here wrote. Its documented quirks are left
// out of the generated inputs: mixed-case query keys (it sorts with localeCompare, OSS in byte
// order) and empty query values (it signs `k=`, the official SDKs `k`).
const require = createRequire(import.meta.url)
const OSS = require('ali-oss') as new (o: object) => Record<string, (...a: unknown[]) => unknown>
const signUtils = require('ali-oss/lib/common/signUtils') as Record<string, (...a: unknown[]) => string>

const NOW = new Date('2026-11-25T10:11:12Z')
const keyChars = fc.constantFrom('a', 'Z', '0', ' ', '+', '%', '/', '-', '_', '.', '~', '!', '*', '(', '\u00e9', '\u7167', '\ud83d\ude00', '&', '=', '?', '#')
const objectKey = fc.array(keyChars, { minLength: 1, maxLength: 16 }).map((a) => a.join('')).filter((k) => !k.startsWith('/'))
// ali-oss trims the secret it is given; real secrets are base62, so generate those.
const secret = fc.stringMatching(/^[A-Za-z0-9]{8,40}$/)
const token = fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{8,40}$/), { nil: undefined })
const method = fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE', 'POST')
const lowerKey = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)
const ossHeaders = fc.dictionary(lowerKey.map((k) => `x-oss-meta-${k}`), fc.stringMatching(/^[ -~]{1,20}$/), { maxKeys: 3 })

afterEach(() => {
  vi.useRealTimers()
})

describe('signers agree with ali-oss', () => {
  it('V1 string to sign and signature (header and URL forms)', () => {
    fc.assert(
      fc.property(secret, method, objectKey, ossHeaders, fc.option(fc.constantFrom('image/png', 'text/plain; charset=utf-8'), { nil: undefined }), fc.integer({ min: 1e9, max: 2e9 }), (sk, verb, key, headers, contentType, expires) => {
        const all = { ...headers, ...(contentType ? { 'Content-Type': contentType } : {}) }
        const theirs = signUtils.buildCanonicalString!(verb, `/bkt/${key}`, { headers: all, parameters: {} }, String(expires))
        const ours = stringToSignV1({ method: verb, bucket: 'bkt', key, date: String(expires), headers: all })
        expect(ours).toBe(theirs)
        expect(signatureV1(sk, ours)).toBe(signUtils.computeSignature!(sk, theirs))
      }),
      { numRuns: 500 },
    )
  })

  it('V1 signed URLs, with STS tokens, response overrides and image processing', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(NOW)
    fc.assert(
      fc.property(secret, token, fc.constantFrom('GET', 'PUT'), objectKey, fc.integer({ min: 1, max: 86400 }), fc.boolean(), (sk, stsToken, verb, key, ttl, extras) => {
        const client = new OSS({ accessKeyId: 'STS.ak', accessKeySecret: sk, region: 'oss-cn-hangzhou', bucket: 'bkt', ...(stsToken ? { stsToken, refreshSTSToken: async () => ({}) } : {}) })
        const response = extras ? { 'content-disposition': 'attachment; filename="x y.png"' } : undefined
        // The third argument switches off ali-oss's client-side name rule (no leading "?"), not signing.
        const theirs = new URL(client.signatureUrl!(key, { method: verb, expires: ttl, ...(response ? { response } : {}), ...(extras ? { process: 'image/resize,w_200' } : {}) }, false) as string)
        const query: Record<string, string> = {}
        if (response) query['response-content-disposition'] = response['content-disposition']
        if (extras) query['x-oss-process'] = 'image/resize,w_200'
        const ours = new URL(
          presignUrlV1({
            credentials: { accessKeyId: 'STS.ak', accessKeySecret: sk, ...(stsToken ? { securityToken: stsToken } : {}) },
            endpoint: { url: 'http://oss-cn-hangzhou.aliyuncs.com', style: 'virtual' },
            bucket: 'bkt', key, method: verb, expires: Math.round(NOW.getTime() / 1000) + ttl, query,
          }).url,
        )
        expect(decodeURIComponent(ours.pathname)).toBe(decodeURIComponent(theirs.pathname))
        expect(ours.searchParams.get('Signature')).toBe(theirs.searchParams.get('Signature'))
        expect(Object.fromEntries(ours.searchParams)).toEqual(Object.fromEntries(theirs.searchParams))
      }),
      { numRuns: 300 },
    )
  })

  it('V4 header authorization', () => {
    fc.assert(
      fc.property(secret, method, objectKey, ossHeaders, fc.dictionary(lowerKey, fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxKeys: 3 }), fc.boolean(), (sk, verb, key, headers, queries, withHost) => {
        const all: Record<string, string> = { ...headers, 'x-oss-date': v4Timestamp(NOW).datetime, 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD', ...(withHost ? { host: 'bkt.oss-cn-hangzhou.aliyuncs.com' } : {}) }
        const additional = withHost ? ['host'] : []
        // The low-level helper takes the standard region; the ali-oss client strips `oss-` before calling it.
        const theirs = signUtils.authorizationV4!('STS.ak', sk, 'cn-hangzhou', verb, { headers: all, queries }, 'bkt', key, additional)
        const ours = authorizationV4({ credentials: { accessKeyId: 'STS.ak', accessKeySecret: sk }, region: 'oss-cn-hangzhou', now: NOW, method: verb, bucket: 'bkt', key, query: queries, headers: all, additionalHeaders: additional })
        expect(ours.authorization).toBe(theirs)
      }),
      { numRuns: 500 },
    )
  })

  it('V4 signed URLs, with STS tokens and signed headers', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(NOW)
    await fc.assert(
      fc.asyncProperty(secret, token, method, objectKey, fc.integer({ min: 1, max: 604800 }), fc.option(fc.constantFrom('image/png', 'application/octet-stream'), { nil: undefined }), async (sk, stsToken, verb, key, ttl, contentType) => {
        const client = new OSS({ accessKeyId: 'STS.ak', accessKeySecret: sk, region: 'oss-cn-hangzhou', bucket: 'bkt', ...(stsToken ? { stsToken, refreshSTSToken: async () => ({}) } : {}) })
        const headers: Record<string, string> = contentType ? { 'Content-Type': contentType } : {}
        const theirs = new URL((await client.signatureUrlV4!(verb, ttl, { headers }, key)) as string)
        const ours = new URL(
          presignUrlV4({
            credentials: { accessKeyId: 'STS.ak', accessKeySecret: sk, ...(stsToken ? { securityToken: stsToken } : {}) },
            endpoint: { url: 'https://oss-cn-hangzhou.aliyuncs.com', style: 'virtual' },
            region: 'oss-cn-hangzhou', bucket: 'bkt', key, method: verb, now: NOW, expiresInSec: ttl, headers,
          }).url,
        )
        expect(ours.searchParams.get('x-oss-signature')).toBe(theirs.searchParams.get('x-oss-signature'))
        expect(Object.fromEntries(ours.searchParams)).toEqual(Object.fromEntries(theirs.searchParams))
        expect(decodeURIComponent(ours.pathname)).toBe(decodeURIComponent(theirs.pathname))
      }),
      { numRuns: 200 },
    )
  })

  it('PostObject V1 and V4 signatures over arbitrary policies', () => {
    const condition = fc.oneof(
      fc.record({ bucket: fc.constant('bkt') }),
      fc.tuple(fc.constant('starts-with'), fc.constant('$key'), fc.string({ unit: 'grapheme', maxLength: 20 })),
      fc.tuple(fc.constant('content-length-range'), fc.nat(100), fc.integer({ min: 100, max: 1e9 })),
    )
    fc.assert(
      fc.property(secret, fc.array(condition, { maxLength: 5 }), (sk, conditions) => {
        const client = new OSS({ accessKeyId: 'STS.ak', accessKeySecret: sk, region: 'oss-cn-hangzhou', bucket: 'bkt' })
        const policy = { expiration: '2026-11-25T11:00:00.000Z', conditions }
        const b64 = Buffer.from(JSON.stringify(policy)).toString('base64')
        const v1 = client.calculatePostSignature!(policy) as { Signature: string; policy: string }
        expect(v1.policy).toBe(b64)
        expect(postSignatureV1(sk, b64)).toBe(v1.Signature)
        expect(postSignatureV4(sk, b64, 'cn-hangzhou', NOW)).toBe(client.signPostObjectPolicyV4!(policy, NOW))
      }),
      { numRuns: 300 },
    )
  })
})
