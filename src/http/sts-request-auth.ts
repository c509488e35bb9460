import type { Request, RequestHandler, Response } from 'express'
import { AuthInvalidError } from '../errors.js'
import { isProviderToken, type ProviderTokens } from '../auth/provider-token.js'
import type { TokenVerifier } from '../auth/tokens.js'
import { requireAuth } from './auth-middleware.js'

/**
 * The HTTP clients the mobile SDKs' `OSSAuthCredentialsProvider` use, when nothing else tells:
 * Android's HttpURLConnection (`Dalvik/...`, or okhttp) and iOS's NSURLSession (`... CFNetwork/...`).
 */
const MOBILE_USER_AGENT = /^Dalvik\/|^okhttp\/|\bCFNetwork\/|aliyun-sdk-(android|ios)/

/**
 * Whether GET /v1/sts should answer errors the way credential providers read them (HTTP 200 with
 * `StatusCode`, `ErrorCode`, `ErrorMessage`; Android reads no body of an HTTP error, and its
 * exception would then carry the whole URL). In order:
 * - `?compat=http` / `?compat=mobile` decide outright;
 * - configured for every request (`sts.mobileErrorsAsOk`);
 * - the token came in the URL: only providers, which cannot set headers, send it there;
 * - no Authorization header and the User-Agent of the mobile SDKs' HTTP stacks.
 * A request with `Authorization: Bearer` gets real HTTP statuses (web and server clients).
 */
export function wantsProviderErrors(req: Request, mobileErrorsAsOk: boolean): boolean {
  const compat = req.query.compat
  if (compat === 'http') return false
  if (compat === 'mobile' || mobileErrorsAsOk) return true
  if (req.headers.authorization !== undefined) return false
  if (typeof req.query.access_token === 'string') return true
  return MOBILE_USER_AGENT.test(req.headers['user-agent'] ?? '')
}

export interface StsAuthOptions {
  readonly verifyToken: TokenVerifier
  readonly providerTokens: ProviderTokens
  /** Also take the full session token as `?access_token=` (compatibility switch). */
  readonly acceptSessionTokenInUrl: boolean
}

/**
 * Authentication for GET /v1/sts: a session token in `Authorization: Bearer`, or a provider token
 * (`ovpt_...`, good for this route and one scope only) as `?access_token=`. A session token in the
 * URL is refused unless configured, because URLs end up in logs and crash reports.
 */
export function stsAuth(options: StsAuthOptions): RequestHandler {
  const header = requireAuth(options.verifyToken)
  const sessionInQuery = requireAuth(options.verifyToken, { allowQueryToken: true })
  return function stsAuthMiddleware(req, res, next): void {
    const queryToken = req.query.access_token
    if (req.headers.authorization !== undefined || typeof queryToken !== 'string') {
      void header(req, res, next)
      return
    }
    if (isProviderToken(queryToken)) {
      options.providerTokens.verify(queryToken).then((principal) => {
        res.locals.principal = { userId: principal.userId, scopes: principal.scopes }
        res.locals.providerScope = principal.scope
        next()
      }, next)
      return
    }
    if (options.acceptSessionTokenInUrl) {
      void sessionInQuery(req, res, next)
      return
    }
    next(new AuthInvalidError('session tokens are not accepted in URLs; put a provider token from POST /v1/sts/provider-url there'))
  }
}

/** The scope a provider token is bound to, when the request was authenticated by one. */
export function providerScopeOf(res: Response): string | undefined {
  return res.locals.providerScope as string | undefined
}
