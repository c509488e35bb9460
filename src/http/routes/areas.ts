import type { Router } from 'express'
import { ScopeForbiddenError, ScopeUnknownError } from '../../errors.js'
import { areasOf } from '../../grant/areas.js'
import { placementOf } from '../../grant/bucket-placement.js'
import { claimsOf } from '../../grant/caller-claims.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import type { AppDeps } from '../deps.js'
import { AreasQuery } from '../schemas/areas.js'
import { validateQuery } from '../validate-body.js'

/**
 * GET /v1/areas?scope=NAME: the storage areas the scope gives the caller (see grant/areas.ts),
 * decided from the same rendered scope /v1/sts vends. No scope named: the server's default scope
 * when the caller holds it, else the caller's first scope (a guest's one scope).
 */
export function areasRoutes(deps: AppDeps, router: Router): void {
  router.get('/v1/areas', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), validateQuery(AreasQuery), (req, res) => {
    const principal = principalOf(res)
    const requested = (req.query as AreasQuery).scope
    const scope = requested ?? (principal.scopes.includes(deps.scopes.defaultScope) ? deps.scopes.defaultScope : (principal.scopes[0] ?? deps.scopes.defaultScope))
    if (!deps.scopes.names.includes(scope)) throw new ScopeUnknownError(`unknown scope; known scopes: ${deps.scopes.names.join(', ')}`)
    if (!principal.scopes.includes(scope)) throw new ScopeForbiddenError('this user may not use the requested scope')
    const rendered = deps.scopes.render(scope, principal.userId, claimsOf(principal))
    const areas = areasOf(rendered, deps, deps.rolePolicies)
    const region = placementOf(deps, areas[0]?.bucket ?? deps.config.oss.bucket).region
    res.setHeader('Cache-Control', 'no-store')
    res.json({ scope, region, areas })
  })
}
