import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import helmet, { type HelmetOptions } from 'helmet'

/** HSTS, sent only when the request is known to have come over HTTPS. */
const HSTS = 'max-age=31536000; includeSubDomains'

/**
 * The API's own headers: JSON answers need no page policy beyond "load nothing, frame nowhere",
 * and must not be sniffed into something else. Pages (/ and /docs) replace the CSP with their
 * own (pageHeaders). HSTS is sent only when the server knows the request came over HTTPS: TLS on
 * the socket, or X-Forwarded-Proto from a proxy `server.trustProxy` trusts (express's req.secure).
 */
export function apiHeaders(): RequestHandler {
  return function apiHeadersMiddleware(req, res, next) {
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'")
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    if (isSecure(req)) res.setHeader('Strict-Transport-Security', HSTS)
    next()
  }
}

/**
 * express's `req.secure`, without its trust-proxy evaluation when there is no X-Forwarded-Proto:
 * express then answers the socket's own protocol whether or not the proxy is trusted.
 */
function isSecure(req: IncomingMessage & { readonly secure: boolean }): boolean {
  const forwarded = req.headers['x-forwarded-proto']
  if (forwarded === undefined || forwarded === '') return Boolean((req.socket as { encrypted?: unknown }).encrypted)
  return req.secure
}

/**
 * helmet's page headers with the page's own CSP, computed once and set in one step. helmet itself
 * runs its middlewares on every request; the headers depend only on the options, so they are
 * captured from one dry run. HSTS is left to apiHeaders (it depends on the request).
 */
export function pageHeaders(options: Readonly<HelmetOptions>): (res: ServerResponse) => void {
  const headers = new Map<string, string>()
  const fakeRes = {
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value),
    removeHeader: () => undefined,
  } as unknown as ServerResponse
  helmet(options)({} as IncomingMessage, fakeRes, () => undefined)
  headers.delete('strict-transport-security')
  const entries = [...headers]
  return (res) => {
    for (const [name, value] of entries) res.setHeader(name, value)
  }
}
