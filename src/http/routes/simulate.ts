import type { Router } from 'express'
import { authorizeOperation, type OperationParams } from '../../policy/operations.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import type { AppDeps } from '../deps.js'
import { validateBody } from '../validate-body.js'

const SIMULATE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['operation'],
  properties: {
    scope: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
    operation: { type: 'string', minLength: 1, maxLength: 64 },
    key: { type: 'string', maxLength: 1023 },
    keys: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 1023 } },
    prefix: { type: 'string', maxLength: 1023 },
    delimiter: { type: 'string', maxLength: 16 },
    sourceKey: { type: 'string', maxLength: 1023 },
    versionId: { type: 'string', maxLength: 256 },
    context: { type: 'object', additionalProperties: { type: ['string', 'array'], items: { type: 'string' } } },
  },
} as const

/**
 * POST /v1/simulate: what the caller's own credentials for a scope would allow: the scope's
 * session policy rendered for them, intersected with the role's policies, with the full trace.
 */
export function simulateRoutes(deps: AppDeps, router: Router): void {
  router.post('/v1/simulate', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), validateBody(SIMULATE_BODY), (req, res) => {
    const principal = principalOf(res)
    const body = req.body as OperationParams & { scope?: string; operation: string }
    const scope = body.scope ?? deps.scopes.defaultScope
    const rendered = deps.scopes.render(scope, principal.userId)
    const { operation, scope: _scope, ...params } = body
    const layers = deps.rolePolicies.length > 0 ? { session: [rendered.policy], identity: deps.rolePolicies } : { session: [rendered.policy] }
    const result = authorizeOperation(layers, operation, { ...params, bucket: deps.config.oss.bucket, account: deps.config.oss.account })
    res.json({ scope, prefix: rendered.prefix, ...result })
  })
}
