import type { IncomingMessage } from 'node:http'
import { safeEqual, sha256Hex } from '../lib/crypto.js'
import { acs3Signature, acs3StringToSign, parseAcs3Authorization } from './acs3-signature.js'
import { StsFailure, accessKeyNotFound, incompleteSignature } from './sts-failure.js'

/** What a verified call claims about itself, checked by the server alike for both styles. */
export interface SignedCall {
  readonly accessKeyId: string
  /** The signed request time (epoch ms). */
  readonly dateMs: number
  readonly nonce: string
  readonly action: string
  readonly version: string
}

const REQUIRED_SIGNED = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version']

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** Whether the request carries an ACS3 Authorization header (`@alicloud/sts20150401` 1.2.0). */
export function hasAcs3Authorization(req: IncomingMessage): boolean {
  return parseAcs3Authorization(header(req, 'authorization')) !== undefined
}

/** Checks an ACS3-HMAC-SHA256 call: the signed headers, the payload hash and the signature. */
export function authenticateAcs3(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  secretOf: (accessKeyId: string) => string | undefined,
): SignedCall {
  const auth = parseAcs3Authorization(header(req, 'authorization'))
  if (!auth) throw incompleteSignature()
  const secret = secretOf(auth.accessKeyId)
  if (secret === undefined) throw accessKeyNotFound()
  const missing = REQUIRED_SIGNED.filter((h) => !auth.signedHeaders.includes(h))
  if (missing.length > 0) throw incompleteSignature(`Headers must be signed: ${missing.join(', ')}`)
  const headers: Record<string, string> = {}
  for (const name of auth.signedHeaders) headers[name] = header(req, name) ?? ''
  const payloadHash = sha256Hex(body)
  if (!safeEqual(headers['x-acs-content-sha256'] ?? '', payloadHash)) {
    throw new StsFailure(400, 'SignatureDoesNotMatch', 'The request body does not match x-acs-content-sha256.')
  }
  const query = new Map<string, string>()
  for (const [k, v] of url.searchParams) query.set(k, v)
  const { stringToSign } = acs3StringToSign({
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    headers,
    signedHeaders: auth.signedHeaders,
    payloadHash,
  })
  if (!safeEqual(acs3Signature(secret, stringToSign), auth.signature)) {
    throw new StsFailure(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.')
  }
  const date = Date.parse(headers['x-acs-date'] ?? '')
  return {
    accessKeyId: auth.accessKeyId,
    dateMs: date,
    nonce: headers['x-acs-signature-nonce'] ?? '',
    action: header(req, 'x-acs-action') ?? '',
    version: header(req, 'x-acs-version') ?? '',
  }
}
