import type { ErrorRequestHandler, Response, Router } from 'express'
import type { Principal, VendResult } from '../../grant/vend.js'
import { RequestInvalidError, ScopeUnknownError } from '../../errors.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import { providerOf } from '../../auth/user-id.js'
import type { AppDeps } from '../deps.js'
import { toProblem } from '../problem.js'
import { providerScopeOf, stsAuth, wantsProviderErrors } from '../sts-request-auth.js'

const SCOPE_NAME = /^[a-z][a-z0-9-]{0,31}$/

/**
 * GET /v1/sts?scope=NAME: credentials for the caller in the credential providers' JSON
 * (`StatusCode` 200 and the four credential fields, `Expiration` exactly as STS wrote it), with
 * where to use them nested under `Placement`. The answer is meant to be handed as-is to ali-oss's
 * `refreshSTSToken`, which lower-cases the first letter of every top-level key and merges the
 * object into its options: top-level `Bucket`/`Region`/`Endpoint` would replace the client's own
 * (`placement` is no ali-oss option, so nesting is harmless there, and the mobile providers and
 * `@alicloud/credentials` ignore keys they do not read).
 * Errors also carry `StatusCode`, `ErrorCode` and `ErrorMessage`, with HTTP 200 when the caller is
 * a credential provider (see `wantsProviderErrors`), because the Android SDK reads the body only then.
 *
 * POST /v1/sts/provider-url `{scope?, ttl?}` (session token in the header): a URL for a provider,
 * carrying a narrow token; DELETE /v1/sts/provider-url/ID revokes it.
 */
export function stsRoutes(deps: AppDeps, router: Router): void {
  const cacheResults = {
    hit: deps.metrics.credentialCache.labels({ result: 'hit' }),
    miss: deps.metrics.credentialCache.labels({ result: 'miss' }),
    refresh: deps.metrics.credentialCache.labels({ result: 'refresh' }),
  }
  const placement = (result: VendResult) => ({
    Bucket: deps.config.oss.bucket,
    Region: deps.config.oss.region,
    Endpoint: deps.ossEndpoint,
    Prefix: result.rendered.prefix,
  })

  function send(res: Response, principal: Principal, result: VendResult): void {
    cacheResults[result.outcome].inc()
    if (result.outcome !== 'hit') {
      deps.logger.info(
        {
          audit: 'credential-vended',
          user: principal.userId,
          provider: principal.provider ?? providerOf(principal.userId),
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
        ...(deps.config.sts.flatPlacement ? { ...placement(result), Scope: result.scope, Provider: principal.provider ?? providerOf(principal.userId) } : {}),
        Placement: { ...placement(result), Scope: result.scope, Provider: principal.provider ?? providerOf(principal.userId) },
      }),
    )
  }

  const authenticate = stsAuth({ verifyToken: deps.verifyToken, providerTokens: deps.providerTokens, acceptSessionTokenInUrl: deps.config.sts.acceptSessionTokenInUrl })
  router.get('/v1/sts', authenticate, limitPerUser(deps.userLimiter), (req, res, next) => {
    const requested = req.query.scope
    if (requested !== undefined && (typeof requested !== 'string' || !SCOPE_NAME.test(requested))) {
      throw new RequestInvalidError([{ pointer: '/query/scope', code: 'request.scope', message: 'scope must be a scope name' }])
    }
    // A provider token stands for its one scope: no scope named means that one.
    const scope = requested ?? providerScopeOf(res)
    const principal = principalOf(res)
    // Everything cached and fresh: answer without a single promise; otherwise the full path.
    const cached = deps.vendor.peek(principal, scope)
    if (cached) {
      send(res, principal, cached)
      return
    }
    deps.vendor.vend(principal, scope).then((result) => send(res, principal, result), next)
  })

  router.post('/v1/sts/provider-url', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const issues = []
    if (typeof body !== 'object' || Array.isArray(body)) issues.push({ pointer: '', code: 'request.body', message: 'expected a JSON object' })
    for (const key of Object.keys(body)) {
      if (key !== 'scope' && key !== 'ttl') issues.push({ pointer: `/${key}`, code: 'request.unknown', message: 'unknown field' })
    }
    if (body.scope !== undefined && (typeof body.scope !== 'string' || !SCOPE_NAME.test(body.scope))) {
      issues.push({ pointer: '/scope', code: 'request.scope', message: 'scope must be a scope name' })
    }
    const maxTtl = deps.config.sts.providerTokens.maxTtlSec
    if (body.ttl !== undefined && (typeof body.ttl !== 'number' || !Number.isInteger(body.ttl) || body.ttl < 60 || body.ttl > maxTtl)) {
      issues.push({ pointer: '/ttl', code: 'request.ttl', message: `ttl must be whole seconds from 60 to ${maxTtl}` })
    }
    if (issues.length > 0) throw new RequestInvalidError(issues)
    const principal = principalOf(res)
    const scope = (body.scope as string | undefined) ?? deps.scopes.defaultScope
    if (!deps.scopes.names.includes(scope)) throw new ScopeUnknownError(`unknown scope; known scopes: ${deps.scopes.names.join(', ')}`)
    deps.providerTokens.issue(principal, scope, body.ttl as number | undefined).then((issued) => {
      const url = new URL('/v1/sts', deps.publicUrl())
      url.searchParams.set('scope', issued.scope)
      url.searchParams.set('access_token', issued.token)
      deps.logger.info({ audit: 'provider-url-issued', user: principal.userId, scope: issued.scope, id: issued.id, expiresAt: new Date(issued.expiresAt).toISOString() }, 'provider url issued')
      res.setHeader('Cache-Control', 'no-store')
      res.status(201).json({
        url: url.toString(),
        id: issued.id,
        scope: issued.scope,
        expiresAt: new Date(issued.expiresAt).toISOString(),
        expiresIn: Math.round((issued.expiresAt - deps.clock().getTime()) / 1000),
      })
    }, next)
  })

  router.delete('/v1/sts/provider-url/:id', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), (req, res, next) => {
    const principal = principalOf(res)
    const id = String(req.params.id)
    deps.providerTokens.revoke(principal.userId, id).then(() => {
      deps.logger.info({ audit: 'provider-url-revoked', user: principal.userId, id }, 'provider url revoked')
      res.status(204).end()
    }, next)
  })

  const mobileErrors: ErrorRequestHandler = (err, req, res, next) => {
    // Only GET /v1/sts speaks to credential providers; its siblings answer problem+json.
    if (req.originalUrl.split('?')[0] !== '/v1/sts') {
      next(err)
      return
    }
    const requestId = String(res.locals.requestId ?? '')
    const problem = toProblem(err, req.originalUrl.split('?')[0] ?? req.path, requestId)
    res.locals.loggedError = err
    const mobile = wantsProviderErrors(req, deps.config.sts.mobileErrorsAsOk)
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
