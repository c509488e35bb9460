import type { ErrorRequestHandler, Response, Router } from 'express'
import type { Principal, VendResult } from '../../grant/vend.js'
import { RequestInvalidError } from '../../errors.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import type { AppDeps } from '../deps.js'
import { toProblem } from '../problem.js'

/**
 * GET /v1/sts?scope=NAME: credentials for the caller, in the mobile SDK providers' JSON
 * (`StatusCode` 200 and the four credential fields, `Expiration` exactly as STS wrote it), plus
 * where to use them. Errors also carry `StatusCode`, `ErrorCode` and `ErrorMessage`; in
 * mobile-compatible mode (config `sts.mobileErrorsAsOk` or `?compat=mobile`) they are sent with
 * HTTP 200, because the Android SDK reads the body only then.
 */
export function stsRoutes(deps: AppDeps, router: Router): void {
  const cacheResults = {
    hit: deps.metrics.credentialCache.labels({ result: 'hit' }),
    miss: deps.metrics.credentialCache.labels({ result: 'miss' }),
    refresh: deps.metrics.credentialCache.labels({ result: 'refresh' }),
  }
  function send(res: Response, principal: Principal, result: VendResult): void {
    cacheResults[result.outcome].inc()
    if (result.outcome !== 'hit') {
      deps.logger.info(
        {
          audit: 'credential-vended',
          user: principal.userId,
          provider: principal.provider ?? 'local',
          scope: result.scope,
          policyHash: result.rendered.hash,
          sessionName: result.sessionName,
          accessKeyId: result.credentials.accessKeyId,
          expiration: result.credentials.expiration,
          cache: result.outcome,
        },
        'credentials vended',
      )
      deps.audit({
        event: 'credential-vended',
        user: principal.userId,
        scope: result.scope,
        policyHash: result.rendered.hash,
        accessKeyId: result.credentials.accessKeyId,
        expiration: result.credentials.expiration,
        cache: result.outcome,
      })
    }
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    // Written directly: res.json's content negotiation and freshness checks do nothing for a
    // no-store answer, and this is the route mobile apps call all day.
    res.end(
      JSON.stringify({
        StatusCode: 200,
        AccessKeyId: result.credentials.accessKeyId,
        AccessKeySecret: result.credentials.accessKeySecret,
        SecurityToken: result.credentials.securityToken,
        Expiration: result.credentials.expiration,
        Bucket: deps.config.oss.bucket,
        Region: deps.config.oss.region,
        Endpoint: deps.ossEndpoint,
        Prefix: result.rendered.prefix,
        Scope: result.scope,
        Provider: principal.provider ?? 'local',
      }),
    )
  }

  router.get('/v1/sts', requireAuth(deps.verifyToken, { allowQueryToken: true }), limitPerUser(deps.userLimiter), (req, res, next) => {
    const scope = req.query.scope
    if (scope !== undefined && (typeof scope !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(scope))) {
      throw new RequestInvalidError([{ pointer: '/query/scope', code: 'request.scope', message: 'scope must be a scope name' }])
    }
    const principal = principalOf(res)
    // Everything cached and fresh: answer without a single promise; otherwise the full path.
    const cached = deps.vendor.peek(principal, scope)
    if (cached) {
      send(res, principal, cached)
      return
    }
    deps.vendor.vend(principal, scope).then((result) => send(res, principal, result), next)
  })

  const mobileErrors: ErrorRequestHandler = (err, req, res, _next) => {
    const requestId = String(res.locals.requestId ?? '')
    const problem = toProblem(err, req.originalUrl.split('?')[0] ?? req.path, requestId)
    res.locals.loggedError = err
    const mobile = deps.config.sts.mobileErrorsAsOk || req.query.compat === 'mobile'
    for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v)
    res.setHeader('Cache-Control', 'no-store')
    res.status(mobile ? 200 : problem.status)
    res.type(mobile ? 'application/json' : 'application/problem+json')
    res.send(
      JSON.stringify({
        ...problem.body,
        StatusCode: problem.status,
        ErrorCode: problem.body.code,
        ErrorMessage: problem.body.detail ?? problem.body.title,
      }),
    )
    const reason = (err as Error | undefined)?.cause instanceof Error ? ((err as Error).cause as Error).message : undefined
    deps.logger[problem.status >= 500 ? 'error' : 'info']({ code: problem.body.code, requestId, reason, err: problem.status >= 500 ? err : undefined }, 'sts request failed')
  }
  router.use('/v1/sts', mobileErrors)
}
