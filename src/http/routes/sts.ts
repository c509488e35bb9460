import type { ErrorRequestHandler, RequestHandler, Response, Router } from 'express'
import type { Principal, VendResult } from '../../grant/vend.js'
import { RequestInvalidError, ScopeUnknownError } from '../../errors.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import { providerOf } from '../../auth/user-id.js'
import { placementOf } from '../../grant/bucket-placement.js'
import { homeBucketOf } from '../../policy/path-rules/render-rules.js'
import type { AppDeps } from '../deps.js'
import { toProblem } from '../problem.js'
import { providerScopeOf, stsAuth, wantsProviderErrors } from '../sts-request-auth.js'
import { noteError } from '../access-log.js'
import { chain } from '../chain.js'
import { ProviderUrlBody, StsQuery } from '../schemas/sts.js'
import { validateBody, validateQuery } from '../validate-body.js'

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
    hit: deps.metrics.credentialCacheChild({ result: 'hit' }),
    miss: deps.metrics.credentialCacheChild({ result: 'miss' }),
    refresh: deps.metrics.credentialCacheChild({ result: 'refresh' }),
  }
  // A rules scope's home area may lie in another of the scope's buckets (same region).
  // SDKs are handed Endpoint as a plain OSS endpoint (bucket prepended), so a custom domain, which
  // already names the bucket, is never given here; /v1/areas and the sign routes use it.
  const buckets = deps.config.oss.buckets
  const withoutDomains = {
    ...deps,
    config: { oss: { ...deps.config.oss, buckets: buckets && Object.fromEntries(Object.entries(buckets).map(([name, b]) => [name, { ...b, cname: undefined }])) } },
  }
  const placement = (result: VendResult) => {
    const home = placementOf(withoutDomains, homeBucketOf(result.rendered) ?? deps.config.oss.bucket)
    return { Bucket: home.bucket, Region: home.region, Endpoint: home.endpoint, Prefix: result.rendered.prefix }
  }

  // prom-client hashes the label set on every call; children per (scope, outcome) are resolved once.
  const vendedCounters = new Map<string, { inc(): void }>()
  const countVended = (scope: string, outcome: string) => {
    const key = `${scope}\u0000${outcome}`
    let child = vendedCounters.get(key)
    if (!child) vendedCounters.set(key, (child = deps.metrics.credentialsVendedChild({ scope, cache: outcome })))
    child.inc()
  }

  /** The answer's JSON text. */
  function answer(result: VendResult, provider: string): string {
    return JSON.stringify({
      StatusCode: 200,
      AccessKeyId: result.credentials.accessKeyId,
      AccessKeySecret: result.credentials.accessKeySecret,
      SecurityToken: result.credentials.securityToken,
      Expiration: result.credentials.expiration,
      ...(deps.config.sts.flatPlacement ? { ...placement(result), Scope: result.scope, Provider: provider } : {}),
      Placement: { ...placement(result), Scope: result.scope, Provider: provider },
    })
  }

  // A warm hit sends the same text again and again: the last text per credentials object, reused
  // while every value it was written from is still the same.
  interface Answered {
    readonly from: readonly unknown[]
    readonly text: string
  }
  const answered = new WeakMap<object, Answered>()
  function answerText(principal: Principal, result: VendResult): string {
    const provider = principal.provider ?? providerOf(principal.userId)
    const c = result.credentials
    const from = [c.accessKeyId, c.accessKeySecret, c.securityToken, c.expiration, result.rendered.prefix, homeBucketOf(result.rendered), result.scope, provider,
      deps.config.sts.flatPlacement, deps.config.oss.bucket, deps.config.oss.region, deps.ossEndpoint]
    const last = answered.get(c)
    if (last && sameValues(last.from, from)) return last.text
    const text = answer(result, provider)
    answered.set(c, { from, text })
    return text
  }

  function send(res: Response, principal: Principal, result: VendResult): void {
    cacheResults[result.outcome].inc()
    countVended(result.scope, result.outcome)
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
    res.end(answerText(principal, result))
  }

  const authenticate = stsAuth({ verifyToken: deps.verifyToken, providerTokens: deps.providerTokens, acceptSessionTokenInUrl: deps.config.sts.acceptSessionTokenInUrl })
  // One router layer for the route mobile apps call all day (see chain).
  const vendForCaller: RequestHandler = (req, res, next) => {
    const requested = (req.query as StsQuery).scope
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
  }
  router.get('/v1/sts', chain([authenticate, limitPerUser(deps.userLimiter), validateQuery(StsQuery), vendForCaller]))

  router.post('/v1/sts/provider-url', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), validateBody(ProviderUrlBody), (req, res, next) => {
    const body = req.body as ProviderUrlBody
    // The schema bounds ttl from below; the upper bound is the server's own setting.
    const maxTtl = deps.config.sts.providerTokens.maxTtlSec
    if (body.ttl !== undefined && body.ttl > maxTtl) {
      throw new RequestInvalidError([{ pointer: '/ttl', code: 'request.ttl', message: `ttl must be whole seconds from 60 to ${maxTtl}` }])
    }
    const principal = principalOf(res)
    const scope = body.scope ?? deps.scopes.defaultScope
    if (!deps.scopes.names.includes(scope)) throw new ScopeUnknownError(`unknown scope; known scopes: ${deps.scopes.names.join(', ')}`)
    deps.providerTokens.issue(principal, scope, body.ttl).then((issued) => {
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
    noteError(res, err, problem)
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
  }
  router.use('/v1/sts', mobileErrors)
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
