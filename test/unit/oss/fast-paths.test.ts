import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { uriEncode, uriEncodePath } from '../../../src/oss/encode.js'
import { hmacKey, hmacWithKey } from '../../../src/oss/hmac.js'
import { isoString, policyDocument } from '../../../src/oss/policy-json.js'
import { presignUrlV1 } from '../../../src/oss/sign-v1.js'
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

  it('keep the signed parameters in byte order beside a caller query', () => {
    const now = new Date('2026-11-25T10:11:12Z')
    const url = new URL(presignUrlV4({ credentials, endpoint, region: 'cn-hangzhou', bucket: 'bkt', key: 'k', method: 'GET', now, expiresInSec: 60, query: { 'x-oss-process': 'image/resize,w_1' } }).url)
    const names = [...url.searchParams.keys()]
    expect(names).toEqual(['x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-process', 'x-oss-security-token', 'x-oss-signature-version', 'x-oss-signature'])
  })
})
