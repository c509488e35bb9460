import { prepareRequest, type AuthorizationRequest, type PreparedRequest } from './request.js'
import type {
  ConditionFailureCause,
  ConditionTrace,
  DecisionLayer,
  DecisionValue,
  LayerTrace,
  StatementMismatchReason,
  StatementTrace,
} from './trace.js'
import type { ActionPattern, Condition, Policy, Statement } from './types.js'
import { hasWildcard } from './wildcard.js'

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
  // One policy of one statement (the usual session or role policy): its layer trace is fixed by
  // the statement's outcome, so it is made once per outcome and layer and shared.
  if (policies.length === 1) {
    const policy = policies[0] as Policy
    if (policy.statements.length === 1) {
      const statement = policy.statements[0] as Statement
      const outcome = matchOutcome(policy.name, statement, request, principal)
      return (outcome.layers[layer] ??= layerTrace(layer, [outcome.trace]))
    }
  }
  const statements: StatementTrace[] = []
  for (const policy of policies) {
    for (const statement of policy.statements) statements.push(matchStatement(policy.name, statement, request, principal))
  }
  return { layer, decision: layerDecision(statements), statements }
}

function layerDecision(statements: readonly StatementTrace[]): DecisionValue {
  let allowed = false
  let denied = false
  for (const trace of statements) {
    if (trace.matched) {
      if (trace.effect === 'Deny') denied = true
      else allowed = true
    }
  }
  return denied ? 'ExplicitDeny' : allowed ? 'Allow' : 'ImplicitDeny'
}

function layerTrace(layer: DecisionLayer, statements: StatementTrace[]): LayerTrace {
  return Object.freeze({ layer, decision: layerDecision(statements), statements: Object.freeze(statements) })
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
  return matchOutcome(policyName, statement, request, principal).trace
}

function matchOutcome(
  policyName: string,
  statement: Statement,
  request: PreparedRequest,
  principal: PrincipalInfo | undefined,
): Outcome {
  // Hot path: plain loops; the trace of each outcome is made once per statement (see Outcome).
  if (statement.principals && !principalApplies(statement, principal)) return outcomeFor(policyName, statement, 'principal')
  if (anyAction(statement, request.actionLower) !== (statement.actionElement === 'Action')) {
    return outcomeFor(policyName, statement, 'action')
  }
  if (anyResource(statement, request) !== (statement.resourceElement === 'Resource')) {
    return outcomeFor(policyName, statement, 'resource')
  }
  const conditions = statement.conditions
  for (let i = 0; i < conditions.length; i++) {
    const cause = conditionFailure(conditions[i] as Condition, request)
    if (cause) return conditionOutcomeFor(policyName, statement, i, cause)
  }
  return outcomeFor(policyName, statement, 'matched')
}

/**
 * A statement's trace is fixed by the policy's name, the statement and the outcome, so each one
 * is made on first use, frozen, and shared by every later decision (with the layer trace of a
 * policy made of that one statement): a decision allocates no trace per statement. The outcomes
 * hang off the statement as a property that is not enumerable (never seen by JSON, equality
 * checks or spreads).
 */
interface Outcome {
  readonly trace: StatementTrace
  readonly layers: { -readonly [L in DecisionLayer]?: LayerTrace }
}

interface Outcomes {
  readonly name: string
  matched?: Outcome
  principal?: Outcome
  action?: Outcome
  resource?: Outcome
  /** Three per condition, in the order of CONDITION_CAUSES. */
  readonly conditions: (Outcome | undefined)[]
}

const CONDITION_CAUSES: readonly ConditionFailureCause[] = ['missing-key', 'no-value-matched', 'value-matched']

function outcomesOf(policyName: string, statement: Statement): Outcomes | undefined {
  const holder = statement as unknown as { outcomes?: Outcomes }
  const outcomes = holder.outcomes
  if (outcomes !== undefined && outcomes.name === policyName) return outcomes
  if (!Object.isExtensible(holder)) return undefined
  const fresh: Outcomes = { name: policyName, conditions: [] }
  Object.defineProperty(holder, 'outcomes', { value: fresh, writable: true, configurable: true, enumerable: false })
  return fresh
}

function outcomeFor(
  policyName: string,
  statement: Statement,
  kind: 'matched' | 'principal' | 'action' | 'resource',
): Outcome {
  const outcomes = outcomesOf(policyName, statement)
  const known = outcomes?.[kind]
  if (known) return known
  const outcome: Outcome = { trace: makeTrace(policyName, statement, kind === 'matched' ? undefined : kind, undefined), layers: {} }
  if (outcomes) outcomes[kind] = outcome
  return outcome
}

function conditionOutcomeFor(
  policyName: string,
  statement: Statement,
  index: number,
  cause: ConditionFailureCause,
): Outcome {
  const outcomes = outcomesOf(policyName, statement)
  const at = index * 3 + CONDITION_CAUSES.indexOf(cause)
  const known = outcomes?.conditions[at]
  if (known) return known
  const condition = statement.conditions[index] as Condition
  const conditionTrace = Object.freeze({ operator: condition.operator.name, key: condition.key, cause })
  const outcome: Outcome = { trace: makeTrace(policyName, statement, 'condition', conditionTrace), layers: {} }
  if (outcomes) outcomes.conditions[at] = outcome
  return outcome
}

function makeTrace(
  policyName: string,
  statement: Statement,
  reason: StatementMismatchReason | undefined,
  condition: ConditionTrace | undefined,
): StatementTrace {
  return Object.freeze({
    policy: policyName,
    index: statement.index,
    pointer: statement.pointer,
    sid: statement.sid,
    effect: statement.effect,
    matched: reason === undefined,
    reason,
    condition,
  })
}

/** A statement's actions, the literal ones in a set: one lookup instead of a call per entry. */
interface ActionIndex {
  readonly literals: ReadonlySet<string>
  readonly globs: readonly ActionPattern[]
}

function actionIndexOf(statement: Statement): ActionIndex | undefined {
  const holder = statement as unknown as { actionIndex?: ActionIndex }
  if (holder.actionIndex !== undefined || !Object.isExtensible(holder)) return holder.actionIndex
  const literals = new Set<string>()
  const globs: ActionPattern[] = []
  for (const action of statement.actions) {
    if (hasWildcard(action.text)) globs.push(action)
    else literals.add(action.text.toLowerCase())
  }
  const index: ActionIndex = { literals, globs }
  Object.defineProperty(holder, 'actionIndex', { value: index, enumerable: false })
  return index
}

function anyAction(statement: Statement, actionLower: string): boolean {
  const index = actionIndexOf(statement)
  if (index === undefined) {
    for (const action of statement.actions) if (action.matches(actionLower)) return true
    return false
  }
  if (index.literals.has(actionLower)) return true
  for (const action of index.globs) if (action.matches(actionLower)) return true
  return false
}

function anyResource(statement: Statement, request: PreparedRequest): boolean {
  const target = request.resourceName
  if (target === undefined) return false
  for (const resource of statement.resources) if (resource.matches(target)) return true
  return false
}

function conditionFailure(condition: Condition, request: PreparedRequest): ConditionFailureCause | undefined {
  const actual = request.context.get(condition.keyLower)
  const negated = condition.operator.negated
  if (actual === undefined || actual.length === 0) return negated ? undefined : 'missing-key'
  const hit = actual.some(condition.test)
  if (negated) return hit ? 'value-matched' : undefined
  return hit ? undefined : 'no-value-matched'
}

const ANONYMOUS: PrincipalInfo = { type: 'anonymous' }

/**
 * OSS bucket policies: `*` without a Condition applies to everyone but the bucket owner; `*`
 * with a Condition applies to everyone, the owner and anonymous callers included.
 */
function principalApplies(statement: Statement, principal: PrincipalInfo | undefined): boolean {
  const who = principal ?? ANONYMOUS
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
