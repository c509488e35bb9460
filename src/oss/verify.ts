import { safeEqual } from '../lib/crypto.js'
import { canonicalizedResourceV1, signatureV1, stringToSignV1, V1_SUB_RESOURCES } from './sign-v1.js'
import {
  canonicalRequestV4,
  credentialScopeV4,
  MAX_V4_EXPIRES_SEC,
  signatureV4,
  signingKeyV4,
  standardRegion,
  stringToSignV4,
  V4_ALGORITHM,
} from './sign-v4.js'

/** 15 minutes, as OSS allows between a request's date and the server's clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000

/** A request as received: names of headers lower-cased, query decoded (`null` for `?acl`). */
export interface ReceivedRequest {
  readonly method: string
  readonly bucket: string
  readonly key: string
  readonly query: Readonly<Record<string, string | null>>
  readonly headers: Readonly<Record<string, string>>
}

export interface KnownCredential {
  readonly accessKeySecret: string
  /** For STS credentials: the token that must come with them, and when they expire. */
  readonly securityToken?: string
  readonly expiresAt?: number
}

export type CredentialLookup = (accessKeyId: string) => KnownCredential | undefined

/** OSS's answers to a bad signature or credential, whatever carried them (header, URL, form). */
export type CredentialFailureCode =
  | 'AccessDenied'
  | 'SignatureDoesNotMatch'
  | 'InvalidAccessKeyId'
  | 'InvalidArgument'
  | 'SecurityTokenExpired'
  | 'InvalidSecurityToken'

export type VerifyFailureCode = CredentialFailureCode | 'RequestTimeTooSkewed'

export type VerifyResult =
  | { readonly ok: true; readonly anonymous: true; readonly signedUrl: false }
  | {
      readonly ok: true
      readonly anonymous: false
      readonly accessKeyId: string
      readonly version: 'v1' | 'v4'
      /** True for signed URLs (referer checks apply to them), false for Authorization headers. */
      readonly signedUrl: boolean
    }
  | { readonly ok: false; readonly code: VerifyFailureCode; readonly message: string; readonly stringToSign?: string }

const fail = (code: VerifyFailureCode, message: string, stringToSign?: string): VerifyResult => ({ ok: false, code, message, ...(stringToSign !== undefined ? { stringToSign } : {}) })

/** A credential refused before any signature is computed; a failure of every verifier's result type. */
export interface CredentialFailure {
  readonly ok: false
  readonly code: CredentialFailureCode
  readonly message: string
}

/** The credential an access key id names, checked against its security token and expiry (OSS's and S3's schemes alike). */
export function checkCredential(lookup: CredentialLookup, accessKeyId: string, token: string | undefined, nowMs: number): KnownCredential | CredentialFailure {
  const refuse = (code: CredentialFailureCode, message: string): CredentialFailure => ({ ok: false, code, message })
  const known = lookup(accessKeyId)
  if (!known) return refuse('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.')
  if (known.securityToken !== undefined) {
    if (token === undefined || !safeEqual(token, known.securityToken)) return refuse('InvalidSecurityToken', 'The security token you provided is invalid.')
    if (known.expiresAt !== undefined && nowMs > known.expiresAt) return refuse('SecurityTokenExpired', 'The security token you provided has expired.')
  }
  return known
}

export const isFailure = (v: KnownCredential | CredentialFailure): v is CredentialFailure => 'ok' in v

/**
 * Authenticates a request as OSS does: an `Authorization: OSS ak:sig` (V1) or
 * `OSS4-HMAC-SHA256 ...` (V4) header, or a V1 (`OSSAccessKeyId`/`Expires`/`Signature`) or V4
 * (`x-oss-signature-version` ...) signed URL; otherwise the request is anonymous.
 */
export function verifyRequest(req: ReceivedRequest, lookup: CredentialLookup, now: Date, region: string): VerifyResult {
  const auth = req.headers.authorization
  if (auth?.startsWith('OSS ')) return verifyHeaderV1(req, auth, lookup, now)
  if (auth?.startsWith(`${V4_ALGORITHM} `)) return verifyHeaderV4(req, auth, lookup, now, region)
  if (auth !== undefined) return fail('InvalidArgument', 'Authorization header is invalid.')
  if (req.query['x-oss-signature-version'] !== undefined) return verifyUrlV4(req, lookup, now, region)
  if (req.query.OSSAccessKeyId !== undefined || req.query.Signature !== undefined) return verifyUrlV1(req, lookup, now)
  return { ok: true, anonymous: true, signedUrl: false }
}

function verifyHeaderV1(req: ReceivedRequest, auth: string, lookup: CredentialLookup, now: Date): VerifyResult {
  const match = /^OSS ([^:]+):(.+)$/.exec(auth)
  if (!match) return fail('InvalidArgument', 'Authorization header is invalid.')
  const [, accessKeyId, signature] = match as unknown as [string, string, string]
  const dateText = req.headers['x-oss-date'] ?? req.headers.date
  const date = dateText === undefined ? NaN : Date.parse(dateText)
  if (Number.isNaN(date)) return fail('AccessDenied', 'OSS authentication requires a valid Date.')
  if (Math.abs(now.getTime() - date) > MAX_CLOCK_SKEW_MS) return fail('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.')
  const known = checkCredential(lookup, accessKeyId, req.headers['x-oss-security-token'], now.getTime())
  if (isFailure(known)) return known
  const candidates = [req.headers.date, req.headers['x-oss-date']].filter((d): d is string => d !== undefined)
  const ok = candidates.some((d) => safeEqual(signatureV1(known.accessKeySecret, stringToSignV1({ ...req, date: d })), signature))
  // Like OSS, the refusal shows the string that was signed, so a client can see what differs.
  if (!ok) return fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', stringToSignV1({ ...req, date: candidates[0] ?? '' }))
  return { ok: true, anonymous: false, accessKeyId, version: 'v1', signedUrl: false }
}

function verifyUrlV1(req: ReceivedRequest, lookup: CredentialLookup, now: Date): VerifyResult {
  const accessKeyId = req.query.OSSAccessKeyId
  const expiresText = req.query.Expires
  const signature = req.query.Signature
  if (!accessKeyId || !expiresText || !signature || !/^\d+$/.test(expiresText)) {
    return fail('AccessDenied', 'Signed URLs need OSSAccessKeyId, Expires and Signature.')
  }
  if (now.getTime() > Number(expiresText) * 1000) return fail('AccessDenied', 'Request has expired.')
  const known = checkCredential(lookup, accessKeyId, req.query['security-token'] ?? undefined, now.getTime())
  if (isFailure(known)) return known
  const query: Record<string, string | null> = {}
  for (const [k, v] of Object.entries(req.query)) if (V1_SUB_RESOURCES.has(k)) query[k] = v
  const expected = signatureV1(known.accessKeySecret, stringToSignV1({ method: req.method, bucket: req.bucket, key: req.key, date: expiresText, headers: req.headers, query }))
  if (!safeEqual(expected, signature)) return fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
  return { ok: true, anonymous: false, accessKeyId, version: 'v1', signedUrl: true }
}

interface V4Credential {
  readonly accessKeyId: string
  readonly day: string
  readonly region: string
}

function parseCredentialV4(text: string, region: string): V4Credential | VerifyResult {
  const parts = text.split('/')
  if (parts.length !== 5 || parts[3] !== 'oss' || parts[4] !== 'aliyun_v4_request' || !/^\d{8}$/.test(parts[1] ?? '')) {
    return fail('InvalidArgument', 'The credential is malformed.')
  }
  if (parts[2] !== standardRegion(region)) return fail('InvalidArgument', 'The region in the credential does not match this endpoint.')
  return { accessKeyId: parts[0] as string, day: parts[1] as string, region: parts[2] as string }
}

function parseV4Date(text: string | null | undefined): number {
  const m = text ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN
}

function verifyHeaderV4(req: ReceivedRequest, auth: string, lookup: CredentialLookup, now: Date, region: string): VerifyResult {
  const fields = new Map<string, string>()
  for (const part of auth.slice(V4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const credentialText = fields.get('Credential')
  const signature = fields.get('Signature')
  if (!credentialText || !signature) return fail('InvalidArgument', 'Authorization header is invalid.')
  const credential = parseCredentialV4(credentialText, region)
  if ('ok' in credential) return credential
  const datetime = req.headers['x-oss-date']
  const date = parseV4Date(datetime)
  if (Number.isNaN(date)) return fail('AccessDenied', 'x-oss-date is missing or malformed.')
  if (datetime?.slice(0, 8) !== credential.day) return fail('InvalidArgument', 'The credential date does not match x-oss-date.')
  if (Math.abs(now.getTime() - date) > MAX_CLOCK_SKEW_MS) return fail('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.')
  const known = checkCredential(lookup, credential.accessKeyId, req.headers['x-oss-security-token'], now.getTime())
  if (isFailure(known)) return known
  const additional = fields.get('AdditionalHeaders')?.split(';').filter(Boolean) ?? []
  const { canonicalRequest } = canonicalRequestV4({ method: req.method, bucket: req.bucket, key: req.key, query: req.query, headers: req.headers, additionalHeaders: additional })
  const stringToSign = stringToSignV4(datetime as string, credentialScopeV4(credential.day, credential.region), canonicalRequest)
  if (!safeEqual(signatureV4(signingKeyV4(known.accessKeySecret, credential.day, credential.region), stringToSign), signature)) {
    return fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
  }
  return { ok: true, anonymous: false, accessKeyId: credential.accessKeyId, version: 'v4', signedUrl: false }
}

function verifyUrlV4(req: ReceivedRequest, lookup: CredentialLookup, now: Date, region: string): VerifyResult {
  const q = req.query
  if (q['x-oss-signature-version'] !== V4_ALGORITHM) return fail('InvalidArgument', 'Unsupported x-oss-signature-version.')
  const signature = q['x-oss-signature']
  const credentialText = q['x-oss-credential']
  const datetime = q['x-oss-date']
  const expiresText = q['x-oss-expires']
  if (!signature || !credentialText || !datetime || !expiresText) return fail('AccessDenied', 'Signed URLs need x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature.')
  const expires = /^\d+$/.test(expiresText) ? Number(expiresText) : NaN
  if (!(expires >= 1 && expires <= MAX_V4_EXPIRES_SEC)) return fail('InvalidArgument', `x-oss-expires must be from 1 to ${MAX_V4_EXPIRES_SEC}.`)
  const credential = parseCredentialV4(credentialText, region)
  if ('ok' in credential) return credential
  const date = parseV4Date(datetime)
  if (Number.isNaN(date) || datetime.slice(0, 8) !== credential.day) return fail('AccessDenied', 'x-oss-date is malformed or does not match the credential.')
  if (date - now.getTime() > MAX_CLOCK_SKEW_MS) return fail('RequestTimeTooSkewed', 'The request date is in the future.')
  if (now.getTime() > date + expires * 1000) return fail('AccessDenied', 'Request has expired.')
  const known = checkCredential(lookup, credential.accessKeyId, q['x-oss-security-token'] ?? undefined, now.getTime())
  if (isFailure(known)) return known
  const query: Record<string, string | null> = {}
  for (const [k, v] of Object.entries(q)) if (k !== 'x-oss-signature') query[k] = v
  const additional = q['x-oss-additional-headers']?.split(';').filter(Boolean) ?? []
  const { canonicalRequest } = canonicalRequestV4({ method: req.method, bucket: req.bucket, key: req.key, query, headers: req.headers, additionalHeaders: additional })
  const stringToSign = stringToSignV4(datetime, credentialScopeV4(credential.day, credential.region), canonicalRequest)
  if (!safeEqual(signatureV4(signingKeyV4(known.accessKeySecret, credential.day, credential.region), stringToSign), signature)) {
    return fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
  }
  return { ok: true, anonymous: false, accessKeyId: credential.accessKeyId, version: 'v4', signedUrl: true }
}

/** The canonicalized resource a V1 verifier signs (exported for the sandbox's error detail). */
export { canonicalizedResourceV1 }
