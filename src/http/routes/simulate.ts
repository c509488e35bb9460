import type { Router } from 'express'
import { ScopeForbiddenError, ScopeUnknownError } from '../../errors.js'
import { authorizeOperation, type OperationParams } from '../../policy/operations.js'
import type { Policy } from '../../policy/types.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { claimsOf } from '../../grant/caller-claims.js'
import { limitPerUser } from '../user-rate-limit.js'
import type { AppDeps } from '../deps.js'
import { validateBody } from '../validate-body.js'
import { SimulateBody } from '../schemas/simulate.js'

/** A policy as traces name it: its file's base name (`default(alice)`), never the server's path to it. */
const named = (policy: Policy): Policy => ({ ...policy, name: policy.name.slice(policy.name.lastIndexOf('/') + 1).replace(/\.json(?=\(|$)/, '') })

/**
 * POST /v1/simulate: what the caller's own credentials for a scope would allow: the scope's
 * session policy rendered (or compiled from its path rules) for them, intersected with the role's policies, with the full trace.
 * Only scopes the caller holds may be simulated, as only those can be vended.
 */
export function simulateRoutes(deps: AppDeps, router: Router): void {
  const rolePolicies = deps.rolePolicies.map(named)
  router.post('/v1/simulate', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), validateBody(SimulateBody), (req, res) => {
    const principal = principalOf(res)
    const body = req.body as SimulateBody
    const scope = body.scope ?? deps.scopes.defaultScope
    if (!deps.scopes.names.includes(scope)) throw new ScopeUnknownError(`unknown scope; known scopes: ${deps.scopes.names.join(', ')}`)
    if (!principal.scopes.includes(scope)) throw new ScopeForbiddenError('this user may not use the requested scope')
    const rendered = deps.scopes.render(scope, principal.userId, claimsOf(principal))
    const { operation, scope: _scope, bucket, ...params } = body
    const session = named(rendered.policy)
    const layers = rolePolicies.length > 0 ? { session: [session], identity: rolePolicies } : { session: [session] }
    const result = authorizeOperation(layers, operation, { ...(params as OperationParams), bucket: bucket ?? deps.config.oss.bucket, account: deps.config.oss.account })
    res.json({ scope, prefix: rendered.prefix, ...result })
  })
}
