import { createVerify } from 'node:crypto'

export interface CallbackSpec {
  /** Where OSS posts after the upload (up to 5 URLs separated by ";"). */
  readonly url: string
  /** With `${object}`, `${size}`, `${mimeType}`, `${etag}`, `${crc64}`, `${x:name}`... */
  readonly body: string
  readonly bodyType?: 'application/x-www-form-urlencoded' | 'application/json'
  readonly host?: string
}

/** The base64 JSON `callback` parameter (for PutObject, PostObject or CompleteMultipartUpload). */
export function encodeCallbackParam(spec: CallbackSpec): string {
  const json: Record<string, string> = { callbackUrl: spec.url, callbackBody: spec.body }
  if (spec.host) json.callbackHost = spec.host
  json.callbackBodyType = spec.bodyType ?? 'application/x-www-form-urlencoded'
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64')
}

/** The base64 JSON `callback-var` parameter; names are `x:` plus lower-case. */
export function encodeCallbackVars(vars: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(vars), 'utf8').toString('base64')
}

export interface PublicKeyUrlRules {
  /** Hosts whose keys are trusted over https (Alibaba's: gosspublic.alicdn.com). */
  readonly httpsHosts: readonly string[]
  /** Hosts allowed over plain http too. */
  readonly httpHosts?: readonly string[]
  /** Exact URLs allowed over plain http (the sandbox's own key, in sandbox mode only). */
  readonly httpUrls?: readonly string[]
}

export const OSS_PUBLIC_KEY_HOSTS: PublicKeyUrlRules = { httpsHosts: ['gosspublic.alicdn.com'] }

/**
 * Decodes `x-oss-pub-key-url` and accepts it only for an exact allowed host over https (http
 * only for explicitly listed hosts), with no credentials and a `.pem` path. Exact host
 * comparison: no prefix match, no regex with unescaped dots.
 */
export function checkPublicKeyUrl(header: string | undefined, rules: PublicKeyUrlRules): URL | undefined {
  if (!header) return undefined
  let url: URL
  try {
    url = new URL(Buffer.from(header, 'base64').toString('utf8'))
  } catch {
    return undefined
  }
  if (url.username || url.password || !url.pathname.endsWith('.pem')) return undefined
  if (url.protocol === 'https:' && rules.httpsHosts.includes(url.host)) return url
  if (url.protocol === 'http:' && (rules.httpHosts ?? []).includes(url.host)) return url
  if (url.protocol === 'http:' && (rules.httpUrls ?? []).includes(url.href)) return url
  return undefined
}

/**
 * The string OSS signs for a callback: the URL-decoded path, then `?` and the raw query if there
 * is one, then `\n` and the raw body bytes.
 */
export function callbackAuthString(rawPath: string, rawQuery: string, body: Buffer): Buffer {
  const path = decodeURIComponent(rawPath)
  return Buffer.concat([Buffer.from(`${path}${rawQuery ? `?${rawQuery}` : ''}\n`, 'utf8'), body])
}

export interface CallbackInput {
  readonly rawPath: string
  readonly rawQuery: string
  readonly body: Buffer
  /** The `authorization` header: base64 of the RSA signature. */
  readonly authorization: string | undefined
  /** The `x-oss-pub-key-url` header: base64 of the public key's URL. */
  readonly publicKeyUrl: string | undefined
}

export type CallbackVerdict =
  | { readonly ok: true; readonly keyUrl: string }
  | { readonly ok: false; readonly reason: 'no-signature' | 'key-url-refused' | 'key-unavailable' | 'bad-signature' }

/**
 * Verifies an OSS upload callback: the key URL is allow-listed before anything is fetched, then
 * RSA (PKCS#1 v1.5) with MD5 over the auth string. Fetching the key is the caller's (it does I/O,
 * bounds the time and size, and caches).
 */
export async function verifyCallback(
  input: CallbackInput,
  getPublicKey: (url: URL) => Promise<string | undefined>,
  rules: PublicKeyUrlRules = OSS_PUBLIC_KEY_HOSTS,
): Promise<CallbackVerdict> {
  if (!input.authorization) return { ok: false, reason: 'no-signature' }
  const keyUrl = checkPublicKeyUrl(input.publicKeyUrl, rules)
  if (!keyUrl) return { ok: false, reason: 'key-url-refused' }
  const pem = await getPublicKey(keyUrl)
  if (!pem) return { ok: false, reason: 'key-unavailable' }
  const signature = Buffer.from(input.authorization, 'base64')
  let valid = false
  try {
    valid = createVerify('RSA-MD5').update(callbackAuthString(input.rawPath, input.rawQuery, input.body)).verify(pem, signature)
  } catch {
    valid = false
  }
  return valid ? { ok: true, keyUrl: keyUrl.href } : { ok: false, reason: 'bad-signature' }
}
