import type { RequestHandler, Response } from 'express'
import { AuthRequiredError } from '../errors.js'
import type { Principal } from '../grant/vend.js'
import type { TokenVerifier } from '../auth/tokens.js'

export interface RequireAuthOptions {
  /** Also accept `?access_token=`: only for GET /v1/sts, since the mobile SDKs can only GET a URL. */
  readonly allowQueryToken?: boolean
}

export function requireAuth(verify: TokenVerifier, options: RequireAuthOptions = {}): RequestHandler {
  return async function requireAuthMiddleware(req, res, next): Promise<void> {
    const header = req.headers.authorization
    let token: string | undefined
    if (header !== undefined) {
      const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header)
      token = match?.[1] ?? header
    } else if (options.allowQueryToken && typeof req.query.access_token === 'string') {
      token = req.query.access_token
    }
    if (!token) {
      next(new AuthRequiredError('send "Authorization: Bearer <token>" (get a token from POST /v1/login)'))
      return
    }
    const known = verify.cached?.(token)
    if (known) {
      res.locals.principal = known
      next()
      return
    }
    try {
      res.locals.principal = await verify(token)
      next()
    } catch (err) {
      next(err)
    }
  }
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal
}
