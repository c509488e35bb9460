import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { uriEncode, uriEncodePath } from '../../../src/oss/encode.js'
import { hmacKey, hmacWithKey } from '../../../src/oss/hmac.js'
import { isoString, policyDocument } from '../../../src/oss/policy-json.js'
import { buildPostFormV1, buildPostFormV4, type PostPolicySpec } from '../../../src/oss/post-policy.js'
import type { Credentials } from '../../../src/oss/sign-v1.js'
import { presignUrlV1, stringToSignV1 } from '../../../src/oss/sign-v1.js'
import { presignUrlV4 } from '../../../src/oss/sign-v4.js'

// The faster encoders, HMAC and policy serialiser against the plain library calls they replace:
// same output for every input, same exceptions.

/** The encoder as first written: encodeURIComponent, then the characters RFC 3986 reserves. */
function referenceEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function outcome(fn: () => string): string {
  try {
    return fn()
  } catch (err) {
    return `threw ${(err as Error).name}`
  }
}

// Every ASCII character, a few BMP ones, a pair and both halves of it alone.
const anyChar = fc.oneof(
  fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u00e9', '\u7167', '\u2028', '\ud83d\ude00', '\ud83d', '\ude00', '\uffff'),
)
const anyString = fc.array(anyChar, { maxLength: 90 }).map((a) => a.join(''))

describe('uriEncode', () => {
  it('equals encodeURIComponent with !\'()* escaped, and throws where it throws', () => {
    fc.assert(fc.property(anyString, (value) => {
      expect(outcome(() => uriEncode(value))).toBe(outcome(() => referenceEncode(value)))
      expect(outcome(() => uriEncodePath(value))).toBe(outcome(() => referenceEncode(value).replaceAll('%2F', '/')))
    }), { numRuns: 3000 })
  })

  it('gives the same answer for a long value the second time (remembered)', () => {
    const token = `CAIS${'Ab3+/9= !*'.repeat(30)}`
    expect(uriEncode(token)).toBe(referenceEncode(token))
    expect(uriEncode(token)).toBe(referenceEncode(token))
  })
})

describe('hmacWithKey', () => {
  it('equals createHmac for SHA-1 and SHA-256, short and long keys, any text', () => {
    const key = fc.oneof(fc.string({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)))
    fc.assert(fc.property(fc.constantFrom('sha1', 'sha256') as fc.Arbitrary<'sha1' | 'sha256'>, key, anyString, (algorithm, k, data) => {
      const prepared = hmacKey(algorithm, k)
      for (const encoding of ['hex', 'base64', 'binary'] as const) {
        expect(hmacWithKey(prepared, data, encoding)).toBe(createHmac(algorithm, k).update(data, 'utf8').digest(encoding))
      }
    }), { numRuns: 500 })
  })

  it('grows its buffer for long messages', () => {
    const prepared = hmacKey('sha256', 'k')
    const data = '\u7167'.repeat(5000)
    expect(hmacWithKey(prepared, data, 'hex')).toBe(createHmac('sha256', 'k').update(data).digest('hex'))
  })
})

describe('policyDocument', () => {
  const scalar = fc.oneof(anyString, fc.string({ minLength: 120, maxLength: 300 }), fc.integer(), fc.double(), fc.constant(undefined))
  const condition = fc.oneof(
    fc.dictionary(anyString, fc.oneof(anyString, fc.string({ minLength: 130, maxLength: 200 })), { maxKeys: 2 }),
    fc.dictionary(fc.string(), scalar, { maxKeys: 2 }),
    fc.tuple(fc.constantFrom('eq', 'starts-with'), anyString, anyString),
    fc.tuple(fc.constant('content-length-range'), fc.integer(), fc.oneof(fc.integer(), fc.double())),
    fc.tuple(fc.constantFrom('in', 'not-in'), anyString, fc.array(anyString, { maxLength: 3 })),
    fc.array(scalar, { maxLength: 3 }),
    fc.constantFrom(null, undefined, 7, 'text', [[['nested']]], Object.create(null) as object),
  )
  const time = fc.integer({ min: -8.64e15, max: 8.64e15 })

  it('writes what JSON.stringify writes, and its base64 is that of the UTF-8 bytes', () => {
    fc.assert(fc.property(time, fc.array(condition, { maxLength: 8 }), (ms, conditions) => {
      const expiration = new Date(ms)
      const text = JSON.stringify({ expiration: expiration.toISOString(), conditions })
      const doc = policyDocument(expiration, conditions)
      expect(doc.text).toBe(text)
      expect(doc.base64).toBe(Buffer.from(text, 'utf8').toString('base64'))
    }), { numRuns: 2000 })
  })

  it('writes the time as toISOString does, within one second and across seconds', () => {
    fc.assert(fc.property(time, fc.integer({ min: 0, max: 2500 }), (ms, step) => {
      for (const t of [ms, ms + step, ms - step]) expect(outcome(() => isoString(new Date(t)))).toBe(outcome(() => new Date(t).toISOString()))
    }), { numRuns: 1000 })
    expect(() => policyDocument(new Date(NaN), [])).toThrow(RangeError)
  })
})

describe('signed URL fast paths', () => {
  const credentials = { accessKeyId: 'STS.ak', accessKeySecret: 'secret', securityToken: 'CAIS+/=token' }
  const endpoint = { url: 'https://oss-cn-hangzhou.aliyuncs.com', style: 'virtual' as const }

  it('sign the same with no query and with an empty one', () => {
    const now = new Date('2026-11-25T10:11:12Z')
    const v4 = { credentials, endpoint, region: 'cn-hangzhou', bucket: 'bkt', key: 'a b/c', method: 'GET', now, expiresInSec: 60 }
    expect(presignUrlV4(v4).url).toBe(presignUrlV4({ ...v4, query: {}, headers: {} }).url)
    const v1 = { credentials, endpoint, bucket: 'bkt', key: 'a b/c', method: 'GET', expires: 1790000000 }
    expect(presignUrlV1(v1).url).toBe(presignUrlV1({ ...v1, query: {}, headers: {} }).url)
  })

  it('sign the V1 string stringToSignV1 writes, with and without headers', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 })
    fc.assert(fc.property(fc.constantFrom('GET', 'put', 'Head'), text, fc.option(text, { nil: undefined }), fc.integer({ min: 0, max: 4_000_000_000 }), (method, key, token, expires) => {
      const creds = token === undefined ? { accessKeyId: 'ak', accessKeySecret: 'sk' } : { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: token }
      const direct = presignUrlV1({ credentials: creds, endpoint, bucket: 'bkt', key, method, expires }).debug.stringToSign
      const general = stringToSignV1({ method, bucket: 'bkt', key, date: String(expires), headers: {}, query: token ? { 'security-token': token } : {} })
      expect(direct).toBe(general)
      // And with a header, the header is signed
      expect(presignUrlV1({ credentials: creds, endpoint, bucket: 'bkt', key, method, expires, headers: { 'Content-Type': 'image/png' } }).debug.stringToSign).toBe(stringToSignV1({ method, bucket: 'bkt', key, date: String(expires), headers: { 'Content-Type': 'image/png' }, query: token ? { 'security-token': token } : {} }))
    }), { numRuns: 500 })
  })

  it('keep the signed parameters in byte order beside a caller query', () => {
    const now = new Date('2026-11-25T10:11:12Z')
    const url = new URL(presignUrlV4({ credentials, endpoint, region: 'cn-hangzhou', bucket: 'bkt', key: 'k', method: 'GET', now, expiresInSec: 60, query: { 'x-oss-process': 'image/resize,w_1' } }).url)
    const names = [...url.searchParams.keys()]
    expect(names).toEqual(['x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-process', 'x-oss-security-token', 'x-oss-signature-version', 'x-oss-signature'])
  })
})

describe('PostObject form builders', () => {
  // The forms as first written: condition objects, JSON.stringify, Buffer base64 and createHmac.
  function referenceForm(version: 'v1' | 'v4', spec: PostPolicySpec, credentials: Credentials, now: Date) {
    const conditions: unknown[] = [{ bucket: spec.bucket }]
    const fields: [string, string][] = []
    if ('startsWith' in spec.key) {
      conditions.push(['starts-with', '$key', spec.key.startsWith])
      fields.push(['key', `${spec.key.startsWith}\${filename}`])
    } else {
      conditions.push(['eq', '$key', spec.key.equals])
      fields.push(['key', spec.key.equals])
    }
    conditions.push(['content-length-range', spec.contentLength.min, spec.contentLength.max])
    const status = spec.successActionStatus ?? '200'
    conditions.push(['eq', '$success_action_status', status])
    fields.push(['success_action_status', status])
    if (spec.contentTypes) conditions.push(['in', '$content-type', spec.contentTypes])
    if (spec.forbidOverwrite) {
      conditions.push(['eq', '$x-oss-forbid-overwrite', 'true'])
      fields.push(['x-oss-forbid-overwrite', 'true'])
    }
    const sse = spec.serverSideEncryption
    if (sse) {
      conditions.push(['eq', '$x-oss-server-side-encryption', sse.algorithm])
      fields.push(['x-oss-server-side-encryption', sse.algorithm])
      if (sse.algorithm === 'KMS' && sse.keyId) {
        conditions.push(['eq', '$x-oss-server-side-encryption-key-id', sse.keyId])
        fields.push(['x-oss-server-side-encryption-key-id', sse.keyId])
      }
    }
    if (spec.callback) {
      conditions.push(['eq', '$callback', spec.callback])
      fields.push(['callback', spec.callback])
    }
    for (const [name, value] of Object.entries(spec.callbackVars ?? {})) {
      conditions.push(['eq', `$${name}`, value])
      fields.push([name, value])
    }
    const token = credentials.securityToken
    const iso = now.toISOString()
    const day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`
    const datetime = `${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
    const credential = `${credentials.accessKeyId}/${day}/cn-hangzhou/oss/aliyun_v4_request`
    if (version === 'v1') {
      if (token) conditions.push(['eq', '$x-oss-security-token', token])
    } else {
      conditions.splice(1, 0, { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }, { 'x-oss-credential': credential }, { 'x-oss-date': datetime }, ...(token ? [{ 'x-oss-security-token': token }] : []))
    }
    const text = JSON.stringify({ expiration: spec.expiration.toISOString(), conditions })
    const base64 = Buffer.from(text, 'utf8').toString('base64')
    const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()
    const signingKey = hmac(hmac(hmac(hmac(`aliyun_v4${credentials.accessKeySecret}`, day), 'cn-hangzhou'), 'oss'), 'aliyun_v4_request')
    const own: [string, string][] = version === 'v1'
      ? [['OSSAccessKeyId', credentials.accessKeyId], ['Signature', createHmac('sha1', credentials.accessKeySecret).update(base64).digest('base64')]]
      : [['x-oss-signature-version', 'OSS4-HMAC-SHA256'], ['x-oss-credential', credential], ['x-oss-date', datetime], ['x-oss-signature', createHmac('sha256', signingKey).update(base64).digest('hex')]]
    return {
      policyText: text,
      fields: [fields[0], ['policy', base64], ...own, ...(token ? [['x-oss-security-token', token]] : []), ...fields.slice(1)],
    }
  }

  const text = fc.oneof(anyString, fc.string({ minLength: 120, maxLength: 300 }))
  const word = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), anyString.filter((s) => s !== ''))
  const spec: fc.Arbitrary<PostPolicySpec> = fc.record({
    bucket: word,
    expiration: fc.integer({ min: 0, max: 4e12 }).map((ms) => new Date(ms)),
    key: fc.oneof(word.map((p) => ({ startsWith: `${p}/` })), word.map((equals) => ({ equals }))),
    contentLength: fc.tuple(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 40 })).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b, 1) })),
    contentTypes: fc.option(fc.array(text, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    successActionStatus: fc.option(fc.constantFrom('200', '201', '204'), { nil: undefined }),
    forbidOverwrite: fc.option(fc.boolean(), { nil: undefined }),
    serverSideEncryption: fc.option(fc.oneof(fc.constant({ algorithm: 'AES256' as const }), fc.option(word, { nil: undefined }).map((keyId) => (keyId === undefined ? { algorithm: 'KMS' as const } : { algorithm: 'KMS' as const, keyId }))), { nil: undefined }),
    callback: fc.option(text, { nil: undefined }),
    callbackVars: fc.option(fc.dictionary(fc.stringMatching(/^x:[a-z0-9_-]{1,8}$/), text, { maxKeys: 3 }), { nil: undefined }),
  }, { requiredKeys: ['bucket', 'expiration', 'key', 'contentLength'] })
  const credentials: fc.Arbitrary<Credentials> = fc.record({
    accessKeyId: word,
    accessKeySecret: fc.string({ minLength: 1, maxLength: 40 }),
    securityToken: fc.option(fc.oneof(text, fc.constant(`CAIS${'Ab3+/9='.repeat(86)}`)), { nil: undefined }),
  }, { requiredKeys: ['accessKeyId', 'accessKeySecret'] })
  const endpoint = { url: 'https://oss-cn-hangzhou.aliyuncs.com', style: 'virtual' as const }

  it('write the policy, fields and signature the generic serialiser and createHmac give', () => {
    fc.assert(fc.property(spec, credentials, fc.integer({ min: 1e12, max: 4e12 }), (s, c, ms) => {
      const now = new Date(ms)
      for (const version of ['v1', 'v4'] as const) {
        const form = version === 'v1' ? buildPostFormV1(s, c, endpoint) : buildPostFormV4(s, c, endpoint, 'cn-hangzhou', now)
        const expected = referenceForm(version, s, c, now)
        expect(form.policyText).toBe(expected.policyText)
        expect(form.fields).toEqual(expected.fields)
      }
    }), { numRuns: 1500 })
  })

  it('write values the types rule out as JSON.stringify would', () => {
    const odd = [5, undefined, null, ['a', 2], { a: 1 }, Number.NaN, true]
    const now = new Date('2026-11-25T10:11:12Z')
    const base = { bucket: 'bkt', expiration: new Date('2026-11-25T10:21:12Z'), key: { startsWith: 'a/' }, contentLength: { min: 0, max: 10 } }
    for (const value of odd) {
      const specs = [
        { ...base, bucket: value },
        { ...base, contentTypes: [value, 'x'] },
        { ...base, contentTypes: value === undefined || value === null ? ['x'] : value },
        { ...base, successActionStatus: value },
        { ...base, callback: value },
        { ...base, callbackVars: { 'x:a': value } },
        { ...base, serverSideEncryption: { algorithm: 'KMS', keyId: value } },
      ] as unknown as PostPolicySpec[]
      for (const s of specs) {
        const c = { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: value as unknown as string }
        for (const version of ['v1', 'v4'] as const) {
          const form = version === 'v1' ? buildPostFormV1(s, c, endpoint) : buildPostFormV4(s, c, endpoint, 'cn-hangzhou', now)
          expect(form.policyText).toBe(referenceForm(version, s, c, now).policyText)
        }
      }
    }
  })
})
