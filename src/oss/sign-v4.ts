import { createHash } from 'node:crypto'
import { uriEncode, uriEncodePath } from './encode.js'
import { objectUrl, type OssEndpoint } from './endpoint.js'
import { hmacSha256, hmacSha256Hex } from './hmac.js'
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
  const isDefault = (n: string) => n === 'content-type' || n === 'content-md5' || n.startsWith('x-oss-')
  const extra = [...new Set(additional.map((h) => h.toLowerCase()).filter((h) => !isDefault(h)))]
  const lower = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) lower.set(name.toLowerCase(), value.trim())
  const signed = [...lower.keys()].filter((n) => isDefault(n) || extra.includes(n)).sort()
  const additionalHeaders = extra.filter((h) => lower.has(h)).sort()
  return { canonicalHeaders: signed.map((n) => `${n}:${lower.get(n)}\n`).join(''), additionalHeaders }
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
  const path = input.bucket === '' ? '/' : `/${input.bucket}/${input.key}`
  let payload = UNSIGNED_PAYLOAD
  for (const [k, v] of Object.entries(input.headers)) if (k.toLowerCase() === 'x-oss-content-sha256') payload = v
  const canonicalQuery = canonicalQueryV4(input.query)
  const canonicalRequest = `${input.method.toUpperCase()}\n${uriEncodePath(path)}\n${canonicalQuery}\n${canonicalHeaders}\n${additionalHeaders.join(';')}\n${payload}`
  return { canonicalRequest, canonicalQuery, additionalHeaders }
}

export function stringToSignV4(datetime: string, scope: string, canonicalRequest: string): string {
  return `${V4_ALGORITHM}\n${datetime}\n${scope}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`
}

interface CachedSigningKey {
  readonly day: string
  readonly region: string
  readonly product: string
  readonly key: Buffer
}

// Per secret, the keys derived for it (usually one: today's, for one region). Looking up by the
// secret and comparing the rest avoids building a composite key string on every signature.
const signingKeys = new Map<string, CachedSigningKey[]>()
const MAX_CACHED_SECRETS = 1024

/**
 * HMAC(HMAC(HMAC(HMAC("aliyun_v4" + SK, day), region), product), "aliyun_v4_request"), cached per
 * (secret, day, region, product): four HMACs saved on every signature after the first of the day.
 */
export function signingKeyV4(secret: string, day: string, region: string, product = 'oss'): Buffer {
  const std = standardRegion(region)
  const list = signingKeys.get(secret)
  if (list) {
    for (const entry of list) if (entry.day === day && entry.region === std && entry.product === product) return entry.key
  }
  const key = hmacSha256(hmacSha256(hmacSha256(hmacSha256(`aliyun_v4${secret}`, day), std), product), 'aliyun_v4_request')
  if (list) {
    // Keep the newest few; yesterday's keys age out as today's arrive.
    list.unshift({ day, region: std, product, key })
    if (list.length > 4) list.pop()
  } else {
    if (signingKeys.size >= MAX_CACHED_SECRETS) signingKeys.delete(signingKeys.keys().next().value as string)
    signingKeys.set(secret, [{ day, region: std, product, key }])
  }
  return key
}

export function signatureV4(signingKey: Buffer, stringToSign: string): string {
  return hmacSha256Hex(signingKey, stringToSign)
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
  const scope = credentialScopeV4(day, input.region)
  const stringToSign = stringToSignV4(datetime, scope, canonicalRequest)
  const signature = signatureV4(signingKeyV4(input.credentials.accessKeySecret, day, input.region), stringToSign)
  const additional = additionalHeaders.length > 0 ? `,AdditionalHeaders=${additionalHeaders.join(';')}` : ''
  return {
    authorization: `${V4_ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}${additional},Signature=${signature}`,
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
  const scope = credentialScopeV4(day, input.region)
  const { additionalHeaders } = canonicalHeadersV4(input.headers ?? {}, input.additionalHeaders)
  const query: Record<string, string> = {
    ...input.query,
    'x-oss-credential': `${input.credentials.accessKeyId}/${scope}`,
    'x-oss-date': datetime,
    'x-oss-expires': String(input.expiresInSec),
    'x-oss-signature-version': V4_ALGORITHM,
  }
  if (additionalHeaders.length > 0) query['x-oss-additional-headers'] = additionalHeaders.join(';')
  if (input.credentials.securityToken) query['x-oss-security-token'] = input.credentials.securityToken
  const { canonicalRequest, canonicalQuery } = canonicalRequestV4({
    method: input.method,
    bucket: input.bucket,
    key: input.key,
    query,
    headers: input.headers ?? {},
    additionalHeaders,
  })
  const stringToSign = stringToSignV4(datetime, scope, canonicalRequest)
  const signature = signatureV4(signingKeyV4(input.credentials.accessKeySecret, day, input.region), stringToSign)
  const search = `${canonicalQuery}&x-oss-signature=${signature}`
  return {
    url: `${objectUrl(input.endpoint, input.bucket, input.key)}?${search}`,
    expiresAt: new Date(input.now.getTime() + input.expiresInSec * 1000),
    debug: { canonicalRequest, stringToSign },
  }
}
