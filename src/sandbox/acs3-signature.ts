import { hmacSha256Hex, sha256Hex } from '../lib/crypto.js'

/**
 * ACS3-HMAC-SHA256, the signature `@alicloud/sts20150401` 1.2.0 sends (openapi-core
 * `getAuthorization`):
 *
 *   CanonicalRequest = METHOD \n "/" path \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 *   CanonicalQuery   = keys sorted; key "=" percentEncode(value), joined by "&"
 *   CanonicalHeaders = "name:trimmed-value\n" for each signed header, sorted
 *   StringToSign     = "ACS3-HMAC-SHA256\n" hex(sha256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
 */
export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256'

/** RFC 3986 encoding as the Alibaba SDKs do it: encodeURIComponent plus ! ' ( ) *. */
export function acsPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export function canonicalQuery(query: ReadonlyMap<string, string>): string {
  return [...query.keys()]
    .sort()
    .map((key) => `${acsPercentEncode(key)}=${acsPercentEncode(query.get(key) ?? '')}`)
    .join('&')
}

export function acs3StringToSign(input: {
  method: string
  path: string
  query: ReadonlyMap<string, string>
  headers: Readonly<Record<string, string>>
  signedHeaders: readonly string[]
  payloadHash: string
}): { canonicalRequest: string; stringToSign: string } {
  const canonicalHeaders = [...input.signedHeaders]
    .sort()
    .map((name) => `${name}:${(input.headers[name] ?? '').trim()}\n`)
    .join('')
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path,
    canonicalQuery(input.query),
    canonicalHeaders,
    [...input.signedHeaders].sort().join(';'),
    input.payloadHash,
  ].join('\n')
  return { canonicalRequest, stringToSign: `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}` }
}

export function acs3Signature(secret: string, stringToSign: string): string {
  return hmacSha256Hex(secret, stringToSign)
}

export interface Acs3Authorization {
  readonly accessKeyId: string
  readonly signedHeaders: readonly string[]
  readonly signature: string
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`. */
export function parseAcs3Authorization(header: string | undefined): Acs3Authorization | undefined {
  if (!header?.startsWith(`${ACS3_ALGORITHM} `)) return undefined
  const fields = new Map<string, string>()
  for (const part of header.slice(ACS3_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const accessKeyId = fields.get('Credential')
  const signedHeaders = fields.get('SignedHeaders')
  const signature = fields.get('Signature')
  if (!accessKeyId || !signedHeaders || !signature) return undefined
  return { accessKeyId, signedHeaders: signedHeaders.split(';'), signature }
}
