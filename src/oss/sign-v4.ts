import { hash } from 'node:crypto'
import { uriEncode, uriEncodePath } from './encode.js'
import { encodedObjectUrl, type OssEndpoint } from './endpoint.js'
import { hmacKey, hmacSha256, hmacWithKey, type HmacKey } from './hmac.js'
import type { Credentials, PresignedUrl, QueryParams } from './sign-v1.js'

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256'
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
/** OSS accepts V4 signed URLs for 1 to 604,800 seconds (7 days). */
export const MAX_V4_EXPIRES_SEC = 604_800

let lastSecond = NaN
let lastStamp = { datetime: '', day: '' }

/** `yyyymmdd'T'HHMMss'Z'` and `yyyymmdd` in UTC (the last one is reused within its second). */
export function v4Timestamp(now: Date): { datetime: string; day: string } {
  const second = Math.floor(now.getTime() / 1000)
  if (second === lastSecond) return lastStamp
  const iso = now.toISOString()
  const day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`
  lastStamp = { datetime: `${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, day }
  lastSecond = second
  return lastStamp
}

/** The region as V4 names it: `oss-cn-hangzhou` and `cn-hangzhou` both give `cn-hangzhou`. */
export function standardRegion(region: string): string {
  return region.startsWith('oss-') ? region.slice(4) : region
}

export function credentialScopeV4(day: string, region: string, product = 'oss'): string {
  return `${day}/${standardRegion(region)}/${product}/aliyun_v4_request`
}

/**
 * Keys and values RFC 3986-encoded, sorted by encoded key in byte order (as the official SDKs do;
 * ali-oss uses localeCompare, which differs for mixed-case keys); an empty or null value gives `k`.
 */
export function canonicalQueryV4(query: QueryParams): string {
  // "key\u0000value" strings: keys are unique and NUL sorts below every key character, so sorting
  // the joined strings sorts by encoded key in byte order.
  const entries: string[] = []
  for (const k in query) {
    const v = query[k]
    entries.push(v === null || v === undefined || v === '' ? uriEncode(k) : `${uriEncode(k)}\u0000${uriEncode(v)}`)
  }
  entries.sort()
  let out = ''
  for (let i = 0; i < entries.length; i++) out += (i === 0 ? '' : '&') + (entries[i] as string).replace('\u0000', '=')
  return out
}

/**
 * Signed headers: content-type, content-md5 and every x-oss-* header, plus the additional ones
 * named (lower-cased, excluding those three kinds). Returns `name:value\n` lines and the sorted
 * additional-header list.
 */
export function canonicalHeadersV4(
  headers: Readonly<Record<string, string>>,
  additional: readonly string[] = [],
): { canonicalHeaders: string; additionalHeaders: string[] } {
  const names = Object.keys(headers)
  if (names.length === 0) return { canonicalHeaders: '', additionalHeaders: [] }
  const isDefault = (n: string) => n === 'content-type' || n === 'content-md5' || n.startsWith('x-oss-')
  const extra: string[] = []
  for (const h of additional) {
    const lower = h.toLowerCase()
    if (!isDefault(lower) && !extra.includes(lower)) extra.push(lower)
  }
  const lower = new Map<string, string>()
  for (const name of names) lower.set(name.toLowerCase(), (headers[name] as string).trim())
  const signed: string[] = []
  for (const n of lower.keys()) if (isDefault(n) || extra.includes(n)) signed.push(n)
  signed.sort()
  let canonicalHeaders = ''
  for (const n of signed) canonicalHeaders += `${n}:${lower.get(n) as string}\n`
  const additionalHeaders = extra.filter((h) => lower.has(h)).sort()
  return { canonicalHeaders, additionalHeaders }
}

export interface CanonicalRequestV4Input {
  readonly method: string
  readonly bucket: string
  readonly key: string
  readonly query: QueryParams
  readonly headers: Readonly<Record<string, string>>
  readonly additionalHeaders?: readonly string[]
}

/**
 * VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n HashedPayload
 * where CanonicalURI is RFC 3986-encoded `/bucket/key` with `/` kept, and HashedPayload is the
 * `x-oss-content-sha256` header or UNSIGNED-PAYLOAD.
 */
export function canonicalRequestV4(input: CanonicalRequestV4Input): { canonicalRequest: string; canonicalQuery: string; additionalHeaders: string[] } {
  const { canonicalHeaders, additionalHeaders } = canonicalHeadersV4(input.headers, input.additionalHeaders)
  const canonicalQuery = canonicalQueryV4(input.query)
  const uri = input.bucket === '' ? '/' : `/${uriEncodePath(input.bucket)}/${uriEncodePath(input.key)}`
  const canonicalRequest = joinCanonicalRequest(input.method, uri, canonicalQuery, canonicalHeaders, additionalHeaders, payloadHashV4(input.headers))
  return { canonicalRequest, canonicalQuery, additionalHeaders }
}

function payloadHashV4(headers: Readonly<Record<string, string>>): string {
  let payload = UNSIGNED_PAYLOAD
  for (const k in headers) {
    if (Object.hasOwn(headers, k) && k.length === 20 && k.toLowerCase() === 'x-oss-content-sha256') payload = headers[k] as string
  }
  return payload
}

function joinCanonicalRequest(method: string, uri: string, query: string, headers: string, additional: readonly string[], payload: string): string {
  return `${method.toUpperCase()}\n${uri}\n${query}\n${headers}\n${additional.length === 0 ? '' : additional.join(';')}\n${payload}`
}

export function stringToSignV4(datetime: string, scope: string, canonicalRequest: string): string {
  return `${V4_ALGORITHM}\n${datetime}\n${scope}\n${hash('sha256', canonicalRequest, 'hex')}`
}

export interface CachedSigningKey {
  readonly day: string
  readonly region: string
  readonly product: string
  readonly key: Buffer
  readonly hmac: HmacKey
  /** `day/region/product/aliyun_v4_request`, and RFC 3986-encoded for the credential query value. */
  readonly scope: string
  readonly encodedScope: string
}

// Per secret, the keys derived for it (usually one: today's, for one region). Looking up by the
// secret and comparing the rest avoids building a composite key string on every signature.
const signingKeys = new Map<string, CachedSigningKey[]>()
const MAX_CACHED_SECRETS = 1024
// The prepared HMAC of each derived key handed out, so `signatureV4(signingKeyV4(...))` skips
// re-importing it; keys not from the cache are prepared on first use.
const preparedKeys = new WeakMap<Buffer, HmacKey>()

/** The derived key for (secret, day, region, product), its prepared HMAC and its scope, from the cache. */
export function cachedSigningKey(secret: string, day: string, region: string, product: string): CachedSigningKey {
  const std = standardRegion(region)
  const list = signingKeys.get(secret)
  if (list) {
    for (const entry of list) if (entry.day === day && entry.region === std && entry.product === product) return entry
  }
  const key = hmacSha256(hmacSha256(hmacSha256(hmacSha256(`aliyun_v4${secret}`, day), std), product), 'aliyun_v4_request')
  const scope = `${day}/${std}/${product}/aliyun_v4_request`
  const entry: CachedSigningKey = { day, region: std, product, key, hmac: hmacKey('sha256', key), scope, encodedScope: uriEncode(scope) }
  preparedKeys.set(key, entry.hmac)
  if (list) {
    // Keep the newest few; yesterday's keys age out as today's arrive.
    list.unshift(entry)
    if (list.length > 4) list.pop()
  } else {
    if (signingKeys.size >= MAX_CACHED_SECRETS) signingKeys.delete(signingKeys.keys().next().value as string)
    signingKeys.set(secret, [entry])
  }
  return entry
}

/**
 * HMAC(HMAC(HMAC(HMAC("aliyun_v4" + SK, day), region), product), "aliyun_v4_request"), cached per
 * (secret, day, region, product): four HMACs saved on every signature after the first of the day.
 */
export function signingKeyV4(secret: string, day: string, region: string, product = 'oss'): Buffer {
  return cachedSigningKey(secret, day, region, product).key
}

export function signatureV4(signingKey: Buffer, stringToSign: string): string {
  let prepared = preparedKeys.get(signingKey)
  if (!prepared) {
    prepared = hmacKey('sha256', signingKey)
    preparedKeys.set(signingKey, prepared)
  }
  return hmacWithKey(prepared, stringToSign, 'hex')
}

export interface AuthorizationV4Input extends CanonicalRequestV4Input {
  readonly credentials: Credentials
  readonly region: string
  readonly now: Date
}

/** The V4 `Authorization` header; the caller sends `x-oss-date` (and the other signed headers). */
export function authorizationV4(input: AuthorizationV4Input): { authorization: string; canonicalRequest: string; stringToSign: string } {
  const { datetime, day } = v4Timestamp(input.now)
  const { canonicalRequest, additionalHeaders } = canonicalRequestV4(input)
  const signing = cachedSigningKey(input.credentials.accessKeySecret, day, input.region, 'oss')
  const stringToSign = stringToSignV4(datetime, signing.scope, canonicalRequest)
  const signature = hmacWithKey(signing.hmac, stringToSign, 'hex')
  const additional = additionalHeaders.length > 0 ? `,AdditionalHeaders=${additionalHeaders.join(';')}` : ''
  return {
    authorization: `${V4_ALGORITHM} Credential=${input.credentials.accessKeyId}/${signing.scope}${additional},Signature=${signature}`,
    canonicalRequest,
    stringToSign,
  }
}

export interface PresignV4Input {
  readonly credentials: Credentials
  readonly endpoint: OssEndpoint
  readonly region: string
  readonly bucket: string
  readonly key: string
  readonly method: string
  readonly now: Date
  /** Relative lifetime, 1 to 604,800 seconds. */
  readonly expiresInSec: number
  /** Headers the client must send exactly (Content-Type, Content-MD5, x-oss-*, and `additionalHeaders`). */
  readonly headers?: Readonly<Record<string, string>>
  readonly additionalHeaders?: readonly string[]
  /** Signed query parameters: response-*, x-oss-process, versionId... */
  readonly query?: Readonly<Record<string, string>>
}

/** A V4 signed URL (`x-oss-signature-version`, `x-oss-credential`, `x-oss-date`, `x-oss-expires`, `x-oss-signature`). */
export function presignUrlV4(input: PresignV4Input): PresignedUrl & { expiresAt: Date } {
  if (!Number.isInteger(input.expiresInSec) || input.expiresInSec < 1 || input.expiresInSec > MAX_V4_EXPIRES_SEC) {
    throw new RangeError(`expiresInSec must be an integer from 1 to ${MAX_V4_EXPIRES_SEC}`)
  }
  const { datetime, day } = v4Timestamp(input.now)
  const signing = cachedSigningKey(input.credentials.accessKeySecret, day, input.region, 'oss')
  const headers = input.headers ?? {}
  const { canonicalHeaders, additionalHeaders } = canonicalHeadersV4(headers, input.additionalHeaders)
  const token = input.credentials.securityToken
  let canonicalQuery: string
  if (isEmpty(input.query)) {
    // The parameters this function adds, already in byte order of their names; the date, the
    // lifetime and the algorithm name need no encoding.
    canonicalQuery = `${additionalHeaders.length > 0 ? `x-oss-additional-headers=${uriEncode(additionalHeaders.join(';'))}&` : ''}`
      + `x-oss-credential=${uriEncode(input.credentials.accessKeyId)}%2F${signing.encodedScope}&x-oss-date=${datetime}`
      + `&x-oss-expires=${input.expiresInSec}${token ? `&x-oss-security-token=${uriEncode(token)}` : ''}&x-oss-signature-version=${V4_ALGORITHM}`
  } else {
    const query: Record<string, string> = {
      ...input.query,
      'x-oss-credential': `${input.credentials.accessKeyId}/${signing.scope}`,
      'x-oss-date': datetime,
      'x-oss-expires': String(input.expiresInSec),
      'x-oss-signature-version': V4_ALGORITHM,
    }
    if (additionalHeaders.length > 0) query['x-oss-additional-headers'] = additionalHeaders.join(';')
    if (token) query['x-oss-security-token'] = token
    canonicalQuery = canonicalQueryV4(query)
  }
  const encodedKey = uriEncodePath(input.key)
  const uri = input.bucket === '' ? '/' : `/${uriEncodePath(input.bucket)}/${encodedKey}`
  const canonicalRequest = joinCanonicalRequest(input.method, uri, canonicalQuery, canonicalHeaders, additionalHeaders, payloadHashV4(headers))
  const stringToSign = stringToSignV4(datetime, signing.scope, canonicalRequest)
  const signature = hmacWithKey(signing.hmac, stringToSign, 'hex')
  return {
    url: `${encodedObjectUrl(input.endpoint, input.bucket, encodedKey)}?${canonicalQuery}&x-oss-signature=${signature}`,
    expiresAt: new Date(input.now.getTime() + input.expiresInSec * 1000),
    debug: { canonicalRequest, stringToSign },
  }
}

function isEmpty(record: Readonly<Record<string, unknown>> | undefined): boolean {
  if (record === undefined) return true
  for (const k in record) if (Object.hasOwn(record, k)) return false
  return true
}
