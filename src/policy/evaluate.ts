import { prepareRequest, type AuthorizationRequest, type PreparedRequest } from './request.js'
import type {
  ConditionTrace,
  DecisionLayer,
  DecisionValue,
  LayerTrace,
  StatementMismatchReason,
  StatementTrace,
} from './trace.js'
import type { Condition, Policy, Statement } from './types.js'

/** Who is asking, for bucket policies' Principal element. */
export type PrincipalInfo =
  | { readonly type: 'anonymous' }
  | { readonly type: 'owner'; readonly account: string }
  | { readonly type: 'ram'; readonly account: string; readonly ids: readonly string[] }

/**
 * Evaluates one set of policies of one type (RAM's basic rule): any matching Deny gives
 * ExplicitDeny, else any matching Allow gives Allow, else ImplicitDeny. Every statement is
 * traced, so the caller can say why each one did or did not apply.
 */
export function evaluatePolicySet(
  policies: readonly Policy[],
  request: PreparedRequest,
  layer: DecisionLayer = 'identity',
  principal?: PrincipalInfo,
): LayerTrace {
  const statements: StatementTrace[] = []
  let allowed = false
  let denied = false
  for (const policy of policies) {
    for (const statement of policy.statements) {
      const trace = matchStatement(policy.name, statement, request, principal)
      statements.push(trace)
      if (trace.matched) {
        if (statement.effect === 'Deny') denied = true
        else allowed = true
      }
    }
  }
  const decision: DecisionValue = denied ? 'ExplicitDeny' : allowed ? 'Allow' : 'ImplicitDeny'
  return { layer, decision, statements }
}

/** The one-layer answer for a plain request: what `ossvend simulate` reports without layers. */
export function evaluate(policies: readonly Policy[], request: AuthorizationRequest): LayerTrace {
  return evaluatePolicySet(policies, prepareRequest(request))
}

export function matchStatement(
  policyName: string,
  statement: Statement,
  request: PreparedRequest,
  principal?: PrincipalInfo,
): StatementTrace {
  // Hot path: plain loops and one object literal per outcome (no spreads, no closures).
  let reason: StatementMismatchReason | undefined
  let condition: ConditionTrace | undefined
  if (statement.principals && !principalApplies(statement, principal)) {
    reason = 'principal'
  } else if (anyAction(statement, request.actionLower) !== (statement.actionElement === 'Action')) {
    reason = 'action'
  } else if (anyResource(statement, request) !== (statement.resourceElement === 'Resource')) {
    reason = 'resource'
  } else {
    for (const c of statement.conditions) {
      const cause = conditionFailure(c, request)
      if (cause) {
        reason = 'condition'
        condition = { operator: c.operator.name, key: c.key, cause }
        break
      }
    }
  }
  return {
    policy: policyName,
    index: statement.index,
    pointer: statement.pointer,
    sid: statement.sid,
    effect: statement.effect,
    matched: reason === undefined,
    reason,
    condition,
  }
}

function anyAction(statement: Statement, actionLower: string): boolean {
  for (const action of statement.actions) if (action.matches(actionLower)) return true
  return false
}

function anyResource(statement: Statement, request: PreparedRequest): boolean {
  const target = request.resourceName
  if (target === undefined) return false
  for (const resource of statement.resources) if (resource.matches(target)) return true
  return false
}

function conditionFailure(
  condition: Condition,
  request: PreparedRequest,
): 'missing-key' | 'no-value-matched' | 'value-matched' | undefined {
  const actual = request.context.get(condition.keyLower)
  const negated = condition.operator.negated
  if (actual === undefined || actual.length === 0) return negated ? undefined : 'missing-key'
  const hit = actual.some(condition.test)
  if (negated) return hit ? 'value-matched' : undefined
  return hit ? undefined : 'no-value-matched'
}

/**
 * OSS bucket policies: `*` without a Condition applies to everyone but the bucket owner; `*`
 * with a Condition applies to everyone, the owner and anonymous callers included.
 */
function principalApplies(statement: Statement, principal: PrincipalInfo | undefined): boolean {
  const who = principal ?? { type: 'anonymous' as const }
  for (const entry of statement.principals ?? []) {
    if (entry === '*') {
      if (who.type !== 'owner' || statement.conditions.length > 0) return true
      continue
    }
    if (who.type === 'owner' && entry === who.account) return true
    if (who.type === 'ram' && (entry === who.account || who.ids.includes(entry))) return true
  }
  return false
}
