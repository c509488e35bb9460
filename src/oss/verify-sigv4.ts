import { createHash } from 'node:crypto'
import { safeEqual } from '../lib/crypto.js'
import { uriEncode } from './encode.js'
import { hmacSha256, hmacSha256Hex } from './hmac.js'
import { checkCredential, isFailure, MAX_CLOCK_SKEW_MS, type CredentialLookup, type VerifyFailureCode } from './verify.js'

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256'
export const SIGV4_UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
export const SIGV4_STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
/** S3 accepts presigned URLs for 1 to 604,800 seconds (7 days). */
export const SIGV4_MAX_EXPIRES_SEC = 604_800

/** An S3-style request as received: the raw path (as sent, still encoded), decoded query, lower-cased headers. */
export interface SigV4Request {
  readonly method: string
  readonly rawPath: string
  readonly query: Readonly<Record<string, string | null>>
  readonly headers: Readonly<Record<string, string>>
}

/** How the body is to be read and checked once the signature holds. */
export type SigV4Payload =
  /** The body is taken as sent (presigned URLs, `UNSIGNED-PAYLOAD`). */
  | { readonly kind: 'unsigned' }
  /** The body's SHA-256 must be this (lower-case hex). */
  | { readonly kind: 'sha256'; readonly sha256: string }
  /** aws-chunked, unsigned chunks, trailing checksum header (`x-amz-trailer`). */
  | { readonly kind: 'chunked-trailer'; readonly trailer: string | undefined; readonly decodedLength: number | undefined }

export type SigV4FailureCode = VerifyFailureCode | 'NotImplemented'

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string; readonly signedUrl: boolean; readonly payload: SigV4Payload }
  | { readonly ok: false; readonly code: SigV4FailureCode; readonly message: string; readonly canonicalRequest?: string }

const fail = (code: SigV4FailureCode, message: string, canonicalRequest?: string): SigV4Result => ({ ok: false, code, message, ...(canonicalRequest !== undefined ? { canonicalRequest } : {}) })
const mismatch = (canonicalRequest: string) => fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', canonicalRequest)

/** Whether a request is signed the AWS way (header or presigned URL). */
export function isSigV4Request(req: Pick<SigV4Request, 'headers' | 'query'>): boolean {
  return req.headers.authorization?.startsWith(`${SIGV4_ALGORITHM} `) === true || req.query['X-Amz-Algorithm'] !== undefined
}

/** `AKID/YYYYMMDD/region/s3/aws4_request`. */
interface Scope {
  readonly accessKeyId: string
  readonly day: string
  readonly region: string
}

function parseScope(credential: string | undefined): Scope | undefined {
  const parts = credential?.split('/') ?? []
  if (parts.length !== 5 || parts[3] !== 's3' || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1] ?? '') || !parts[0] || !parts[2]) return undefined
  return { accessKeyId: parts[0], day: parts[1] as string, region: parts[2] }
}

function parseAmzDate(text: string | null | undefined): number {
  const m = text ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN
}

/** Query parameters RFC 3986-encoded, sorted by encoded name then value; a name without value gets `=`. */
export function canonicalQuerySigV4(query: Readonly<Record<string, string | null>>, omit?: string): string {
  const pairs: [string, string][] = []
  for (const k in query) if (k !== omit) pairs.push([uriEncode(k), uriEncode(query[k] ?? '')])
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
  return pairs.map(([k, v]) => `${k}=${v}`).join('&')
}

/** The signed headers' `name:value` lines (values trimmed, inner runs of spaces collapsed). */
function canonicalHeaders(headers: Readonly<Record<string, string>>, signed: readonly string[]): string | undefined {
  let out = ''
  for (const name of signed) {
    const value = headers[name]
    if (value === undefined) return undefined
    out += `${name}:${value.trim().replace(/\s+/g, ' ')}\n`
  }
  return out
}

/** The canonical request of AWS Signature Version 4 for S3 (the path is used as sent: S3 does not re-encode it). */
export function canonicalRequestSigV4(req: SigV4Request, signedHeaders: readonly string[], payloadHash: string, omitQuery?: string): string | undefined {
  const headers = canonicalHeaders(req.headers, signedHeaders)
  if (headers === undefined) return undefined
  return [req.method, req.rawPath || '/', canonicalQuerySigV4(req.query, omitQuery), headers, signedHeaders.join(';'), payloadHash].join('\n')
}

export function signingKeySigV4(secret: string, day: string, region: string): Buffer {
  return hmacSha256(hmacSha256(hmacSha256(hmacSha256(`AWS4${secret}`, day), region), 's3'), 'aws4_request')
}

export function stringToSignSigV4(datetime: string, scope: string, canonicalRequest: string): string {
  return `${SIGV4_ALGORITHM}\n${datetime}\n${scope}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`
}

export function signatureSigV4(secret: string, scope: { readonly day: string; readonly region: string }, datetime: string, canonicalRequest: string): string {
  return hmacSha256Hex(signingKeySigV4(secret, scope.day, scope.region), stringToSignSigV4(datetime, `${scope.day}/${scope.region}/s3/aws4_request`, canonicalRequest))
}


function signedHeaderList(text: string | undefined | null): string[] | undefined {
  if (!text) return undefined
  const names = text.split(';')
  if (names.some((n) => n === '' || n !== n.toLowerCase()) || !names.includes('host')) return undefined
  return names
}

/**
 * Verifies an AWS Signature Version 4 request, as OSS's S3-compatible API does: an
 * `Authorization: AWS4-HMAC-SHA256 ...` header (with `x-amz-date` and `x-amz-content-sha256`) or
 * a presigned URL (`X-Amz-*` query). The STS token is `x-amz-security-token` (header or query).
 * The scope's region is the one the client signed with. Pure: time is a parameter.
 */
export function verifySigV4(req: SigV4Request, lookup: CredentialLookup, now: Date): SigV4Result {
  const auth = req.headers.authorization
  return auth !== undefined ? verifyHeader(req, auth, lookup, now) : verifyPresigned(req, lookup, now)
}

function verifyHeader(req: SigV4Request, auth: string, lookup: CredentialLookup, now: Date): SigV4Result {
  if (!auth.startsWith(`${SIGV4_ALGORITHM} `)) return fail('InvalidArgument', 'Authorization header is invalid.')
  const fields = new Map<string, string>()
  for (const part of auth.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const scope = parseScope(fields.get('Credential'))
  const signed = signedHeaderList(fields.get('SignedHeaders'))
  const signature = fields.get('Signature')
  if (!scope || !signed || !signature) return fail('InvalidArgument', 'Authorization header is invalid: Credential, SignedHeaders (with host) and Signature are required.')
  const datetime = req.headers['x-amz-date']
  const date = parseAmzDate(datetime)
  if (Number.isNaN(date)) return fail('AccessDenied', 'AWS authentication requires a valid x-amz-date.')
  if (datetime?.slice(0, 8) !== scope.day) return fail('InvalidArgument', 'The credential date does not match x-amz-date.')
  if (Math.abs(now.getTime() - date) > MAX_CLOCK_SKEW_MS) return fail('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.')
  const payloadHash = req.headers['x-amz-content-sha256']
  if (payloadHash === undefined) return fail('InvalidArgument', 'Missing required header for this request: x-amz-content-sha256.')
  const payload = payloadOf(payloadHash, req.headers)
  if ('ok' in payload) return payload
  const known = checkCredential(lookup, scope.accessKeyId, req.headers['x-amz-security-token'], now.getTime())
  if (isFailure(known)) return known
  const canonical = canonicalRequestSigV4(req, signed, payloadHash)
  if (canonical === undefined) return fail('AccessDenied', 'A header named in SignedHeaders is missing.')
  if (!safeEqual(signatureSigV4(known.accessKeySecret, scope, datetime, canonical), signature)) return mismatch(canonical)
  return { ok: true, accessKeyId: scope.accessKeyId, signedUrl: false, payload }
}

function payloadOf(hash: string, headers: Readonly<Record<string, string>>): SigV4Payload | SigV4Result {
  if (hash === SIGV4_UNSIGNED_PAYLOAD) return { kind: 'unsigned' }
  if (/^[0-9a-f]{64}$/.test(hash)) return { kind: 'sha256', sha256: hash }
  if (hash === SIGV4_STREAMING_UNSIGNED_TRAILER) {
    const decoded = headers['x-amz-decoded-content-length']
    const decodedLength = decoded !== undefined && /^\d+$/.test(decoded) ? Number(decoded) : undefined
    return { kind: 'chunked-trailer', trailer: headers['x-amz-trailer']?.toLowerCase(), decodedLength }
  }
  if (hash.startsWith('STREAMING-')) return fail('NotImplemented', `x-amz-content-sha256 ${hash} is not supported; use UNSIGNED-PAYLOAD or ${SIGV4_STREAMING_UNSIGNED_TRAILER}.`)
  return fail('InvalidArgument', 'x-amz-content-sha256 must be a SHA-256 hex digest, UNSIGNED-PAYLOAD or a STREAMING- value.')
}

function verifyPresigned(req: SigV4Request, lookup: CredentialLookup, now: Date): SigV4Result {
  const q = req.query
  if (q['X-Amz-Algorithm'] !== SIGV4_ALGORITHM) return fail('InvalidArgument', 'X-Amz-Algorithm must be AWS4-HMAC-SHA256.')
  const scope = parseScope(q['X-Amz-Credential'] ?? undefined)
  const signed = signedHeaderList(q['X-Amz-SignedHeaders'])
  const signature = q['X-Amz-Signature']
  const datetime = q['X-Amz-Date']
  const expiresText = q['X-Amz-Expires']
  if (!scope || !signed || !signature || !datetime || !expiresText) {
    return fail('AccessDenied', 'Presigned URLs need X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.')
  }
  const expires = /^\d+$/.test(expiresText) ? Number(expiresText) : NaN
  if (!(expires >= 1 && expires <= SIGV4_MAX_EXPIRES_SEC)) return fail('AccessDenied', `X-Amz-Expires must be from 1 to ${SIGV4_MAX_EXPIRES_SEC}.`)
  const date = parseAmzDate(datetime)
  if (Number.isNaN(date) || datetime.slice(0, 8) !== scope.day) return fail('AccessDenied', 'X-Amz-Date is malformed or does not match the credential.')
  if (date - now.getTime() > MAX_CLOCK_SKEW_MS) return fail('RequestTimeTooSkewed', 'The request date is in the future.')
  if (now.getTime() > date + expires * 1000) return fail('AccessDenied', 'Request has expired.')
  const known = checkCredential(lookup, scope.accessKeyId, q['X-Amz-Security-Token'] ?? undefined, now.getTime())
  if (isFailure(known)) return known
  const payloadHash = req.headers['x-amz-content-sha256'] ?? SIGV4_UNSIGNED_PAYLOAD
  const canonical = canonicalRequestSigV4(req, signed, payloadHash, 'X-Amz-Signature')
  if (canonical === undefined) return fail('AccessDenied', 'A header named in X-Amz-SignedHeaders is missing.')
  if (!safeEqual(signatureSigV4(known.accessKeySecret, scope, datetime, canonical), signature)) return mismatch(canonical)
  const payload = payloadHash === SIGV4_UNSIGNED_PAYLOAD ? ({ kind: 'unsigned' } as const) : payloadOf(payloadHash, req.headers)
  if ('ok' in payload) return payload
  return { ok: true, accessKeyId: scope.accessKeyId, signedUrl: true, payload }
}
