import type { Router } from 'express'
import { createHash } from 'node:crypto'
import { invalidToken } from '../../auth/provider.js'
import type { AuthenticatedPrincipal } from '../../auth/principal.js'
import { NotFoundError } from '../../errors.js'
import { carriedClaims } from '../../grant/caller-claims.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import type { AppDeps } from '../deps.js'
import { validateBody } from '../validate-body.js'
import { ExchangeBody, LogoutBody, RefreshBody } from '../schemas/login.js'

/**
 * Sessions: `POST /v1/token/refresh` (rotating refresh tokens; a retired one ends its session),
 * `POST /v1/logout` (this access token and its session), `POST /v1/token/exchange` (an identity
 * provider's token, once, for an ossvend session).
 */
export function tokenRoutes(deps: AppDeps, router: Router): void {
  const sessions = () => {
    if (!deps.sessions) throw new NotFoundError('sessions are not available on this server')
    return deps.sessions
  }

  router.post('/v1/token/refresh', validateBody(RefreshBody), async (req, res) => {
    const tokens = await sessions().refresh((req.body as RefreshBody).refreshToken)
    res.setHeader('Cache-Control', 'no-store')
    res.json(tokens)
  })

  router.post('/v1/logout', requireAuth(deps.verifyToken), validateBody(LogoutBody, { optional: true }), async (req, res) => {
    const principal = principalOf(res) as AuthenticatedPrincipal
    await sessions().signOut(principal, (req.body as LogoutBody | undefined)?.refreshToken)
    deps.logger.info({ event: 'logout', user: principal.userId, provider: principal.provider }, 'signed out')
    res.setHeader('Cache-Control', 'no-store')
    res.status(204).end()
  })

  router.post('/v1/token/exchange', validateBody(ExchangeBody), async (req, res) => {
    const verifyExternal = deps.verifyExternalToken
    if (!verifyExternal || (deps.identityProviders ?? []).length === 0) throw new NotFoundError('no identity provider is configured')
    const subjectToken = (req.body as ExchangeBody).subjectToken
    const principal = await verifyExternal(subjectToken)
    const id = `exchange:${createHash('sha256').update(subjectToken).digest('hex')}`
    if (!(await sessions().claimOnce(id, ((principal.exp ?? 0) + deps.config.auth.clockToleranceSec) * 1000))) throw invalidToken('exchange-replayed')
    // Only the claims some rules scope reads, with values the rules can use (grant/caller-claims.ts).
    const claims = carriedClaims(principal.claims, deps.scopes.claimNames)
    const tokens = await sessions().start({ userId: principal.userId, provider: principal.provider, scopes: principal.scopes, ...(claims ? { claims } : {}) })
    deps.logger.info({ event: 'token-exchanged', user: principal.userId, provider: principal.provider }, 'identity provider token exchanged')
    res.setHeader('Cache-Control', 'no-store')
    res.json(tokens)
  })
}
