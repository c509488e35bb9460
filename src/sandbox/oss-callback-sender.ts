import { createSign, type KeyObject } from 'node:crypto'
import { callbackAuthString } from '../oss/callback.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

export interface CallbackRequest {
  /** The base64 `callback` parameter (header, form field). */
  readonly callback: string
  /** `x:` variables (PostObject form fields, or the decoded `callback-var` header). */
  readonly vars: Readonly<Record<string, string>>
  readonly values: { bucket: string; object: string; size: number; mimeType: string; etag: string; crc64: string; clientIp: string; operation: string }
}

export type CallbackOutcome =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly reason: string }

/**
 * Calls the app back the way OSS does after an upload: substitutes the system and `x:` variables
 * into the callback body, signs `path[?query]\n` + body with the sandbox's RSA key (MD5), sends
 * the key's URL base64-encoded in `x-oss-pub-key-url`, and accepts only a 200 with a JSON body,
 * within 5 seconds. It never retries, never follows redirects, and calls only `allowedHosts`.
 */
export async function sendCallback(request: CallbackRequest, key: { privateKey: KeyObject; publicKeyUrl: string; allowedHosts: readonly string[] }, timeoutMs = 5000): Promise<CallbackOutcome> {
  let spec: { callbackUrl?: string; callbackBody?: string; callbackBodyType?: string; callbackHost?: string }
  try {
    spec = parseJsonOrThrow(Buffer.from(request.callback, 'base64').toString('utf8')) as typeof spec
  } catch {
    return { ok: false, reason: 'callback parameter is not base64 JSON' }
  }
  if (!spec.callbackUrl || spec.callbackBody === undefined) return { ok: false, reason: 'callbackUrl and callbackBody are required' }
  const json = spec.callbackBodyType === 'application/json'
  const systemValues: Record<string, string> = {
    bucket: request.values.bucket,
    object: request.values.object,
    size: String(request.values.size),
    mimeType: request.values.mimeType,
    etag: request.values.etag,
    crc64: request.values.crc64,
    clientIp: request.values.clientIp,
    operation: request.values.operation,
  }
  const body = spec.callbackBody.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    const value = name.startsWith('x:') ? request.vars[name] : systemValues[name]
    if (value === undefined) return ''
    return json ? JSON.stringify(value).slice(1, -1) : encodeURIComponent(value)
  })
  let url: URL
  try {
    url = new URL(spec.callbackUrl.split(';')[0] as string)
  } catch {
    return { ok: false, reason: 'callbackUrl is not a URL' }
  }
  // Only the configured hosts: anything else (this machine's loopback services above all) is as
  // unreachable as it is for real OSS.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || !key.allowedHosts.includes(url.host)) {
    return { ok: false, reason: `the sandbox calls back only ${key.allowedHosts.join(', ') || 'no host'}` }
  }
  const rawQuery = url.search.slice(1)
  const signature = createSign('RSA-MD5').update(callbackAuthString(url.pathname, rawQuery, Buffer.from(body))).sign(key.privateKey).toString('base64')
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
        authorization: signature,
        'x-oss-pub-key-url': Buffer.from(key.publicKeyUrl).toString('base64'),
        ...(spec.callbackHost ? { host: spec.callbackHost } : {}),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    })
    const text = await response.text()
    if (response.status !== 200) return { ok: false, reason: `callback answered ${response.status}` }
    try {
      // OSS accepts a callback answer of up to 3 MB.
      parseJsonOrThrow(text, { maxChars: 3 * 1024 * 1024 })
    } catch {
      return { ok: false, reason: 'Response body is not valid json format.' }
    }
    return { ok: true, status: 200, body: text }
  } catch (err) {
    return { ok: false, reason: `callback failed: ${(err as Error).name}` }
  }
}
