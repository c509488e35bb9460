import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'

/** Why a provider document could not be used; the code is logged and reported by `providers check`. */
export class ProviderFetchError extends Error {
  override readonly name = 'ProviderFetchError'
  /** `unreachable` is worth retrying later; the others are the provider's (or config's) mistake. */
  readonly reason: 'unreachable' | 'not-https' | 'too-large' | 'status' | 'not-json' | 'too-many-keys' | 'duplicate-kid' | 'malformed' | 'issuer-mismatch'
  constructor(reason: ProviderFetchError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.reason = reason
  }
}

export interface BoundedFetchOptions {
  readonly timeoutMs: number
  readonly maxBytes: number
  /** Extra trusted CA certificates (PEM), e.g. a private PKI's or a test's. */
  readonly ca?: string
  /** Plain http to a loopback address (development only). */
  readonly allowHttpLoopback?: boolean
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1'
}

/** Throws unless the URL is https (or http to loopback when allowed). */
export function checkProviderUrl(url: URL, allowHttpLoopback = false): void {
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && allowHttpLoopback && isLoopbackHost(url.hostname)) return
  throw new ProviderFetchError('not-https', `${url.origin} is not https`)
}

export interface BoundedResponse {
  readonly status: number
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

/**
 * One GET for an identity provider document: https only, no redirects, a deadline for the whole
 * exchange, and the body cut off (and refused) past `maxBytes`.
 */
export function boundedGet(url: URL, options: BoundedFetchOptions, signal?: AbortSignal): Promise<BoundedResponse> {
  checkProviderUrl(url, options.allowHttpLoopback)
  return new Promise((resolve, reject) => {
    const deadline = AbortSignal.timeout(options.timeoutMs)
    const aborts = signal ? AbortSignal.any([deadline, signal]) : deadline
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(url, { method: 'GET', signal: aborts, headers: { accept: 'application/json, application/jwk-set+json' }, ...(options.ca ? { ca: options.ca } : {}) }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > options.maxBytes) {
          req.destroy()
          reject(new ProviderFetchError('too-large', `${url.origin}${url.pathname} answered more than ${options.maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (err) => reject(new ProviderFetchError('unreachable', `${url.origin}${url.pathname}: ${err.message}`, { cause: err })))
    })
    req.on('error', (err) => reject(err instanceof ProviderFetchError ? err : new ProviderFetchError('unreachable', `${url.origin}${url.pathname}: ${deadline.aborted ? 'timed out' : err.message}`, { cause: err })))
    req.end()
  })
}

/** `Cache-Control: max-age` in seconds, when the answer gives one. */
export function cacheControlMaxAge(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(',') : header
  if (!value) return undefined
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(value)
  return match ? Number(match[1]) : undefined
}
