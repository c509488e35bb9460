import type { RequestHandler } from 'express'

/**
 * CORS for an exact allowlist of origins (scheme, host and port). Tokens travel in the
 * Authorization header, never in cookies, so credentials are never allowed, and `*` is never sent.
 */
export function corsAllowlist(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins)
  return function corsMiddleware(req, res, next) {
    // Nothing has set Vary yet at this point, so it is set rather than merged.
    res.setHeader('Vary', 'Origin')
    const origin = req.headers.origin
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After')
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type')
        res.setHeader('Access-Control-Max-Age', '600')
        res.status(204).end()
        return
      }
    }
    next()
  }
}
