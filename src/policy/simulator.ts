import type { PolicyLayers } from './authorize.js'
import { formatOperationDecision } from './explain.js'
import { authorizeOperation, type OperationDecision, type OperationParams } from './operations.js'
import type { RenderedPolicy } from './render.js'
import { DECISION_REASONS, type DecisionLayer, type DecisionReason, type DecisionValue } from './trace.js'
import type { Policy, RequestContext } from './types.js'

export interface SimulatorOptions {
  /** Defaults to the bucket a rendered policy was rendered with. */
  readonly bucket?: string
  /** Defaults to the account a rendered policy was rendered with, else `*`. */
  readonly account?: string
  readonly region?: string
  /** Condition context merged under every request's own context. */
  readonly context?: RequestContext
}

/** A rendered session policy, alone or as the session layer beside the role's and bucket's policies. */
export type SimulatorPolicies = readonly Policy[] | PolicyLayers | RenderedPolicy | (Omit<PolicyLayers, 'session'> & { readonly session: RenderedPolicy })

/**
 * Why a denial is expected: `ExplicitDeny` or `ImplicitDeny`, a reason code (`explicit-deny`,
 * `no-allow`, `session-not-allowed`, ...), or any of decision, reason and layer together.
 */
export type DenialExpectation =
  | Exclude<DecisionValue, 'Allow'>
  | DecisionReason
  | { readonly decision?: Exclude<DecisionValue, 'Allow'>; readonly reason?: DecisionReason; readonly layer?: DecisionLayer }

export interface Simulator {
  /** The bucket, account and region every request is made against. */
  readonly target: { readonly bucket: string; readonly account: string; readonly region: string }
  /** Decides an OSS operation. A string is the key, or for listing operations the prefix. */
  decide(operation: string, target?: string | OperationParams, context?: RequestContext): OperationDecision
  allows(operation: string, target?: string | OperationParams, context?: RequestContext): boolean
  /** The decision and the trace of every check, as text. */
  explain(operation: string, target?: string | OperationParams, context?: RequestContext): string
  /** Throws an Error whose message is the trace when the operation is not allowed. */
  assertAllowed(operation: string, target?: string | OperationParams, context?: RequestContext): void
  /**
   * Throws an Error whose message is the trace when the operation is allowed, or when it is
   * denied otherwise than `expected` says (so a denial for an unrelated reason cannot pass).
   */
  assertDenied(operation: string, target?: string | OperationParams, expected?: DenialExpectation, context?: RequestContext): void
}

const LISTING = new Set(['listobjects', 'listobjectsv2', 'listobjectversions', 'listmultipartuploads'])
const EXPECTATION_KEYS = new Set(['decision', 'reason', 'layer'])

/**
 * A policy simulator for an app's own test suite. Given a rendered policy, it assumes the bucket
 * and account the policy was rendered with:
 * @example
 * const sim = createSimulator(renderSessionPolicy(template, { user: 'user1', bucket: 'app-base-oss', account: '1234' }))
 * sim.assertAllowed('PutObject', 'user1/photo.jpg')
 * sim.assertDenied('ListObjects', '', 'ImplicitDeny')
 */
export function createSimulator(policies: SimulatorPolicies, options: SimulatorOptions = {}): Simulator {
  const { layers, rendered } = toLayers(policies)
  const bucket = options.bucket ?? rendered?.values.bucket
  if (bucket === undefined) throw new TypeError('createSimulator needs options.bucket unless it is given a rendered policy')
  const target = { bucket, account: options.account ?? rendered?.values.account ?? '*', region: options.region ?? '*' }
  const decide = (operation: string, request?: string | OperationParams, context?: RequestContext) => {
    const params: OperationParams =
      typeof request === 'string'
        ? LISTING.has(operation.toLowerCase())
          ? { prefix: request }
          : { key: request }
        : (request ?? {})
    return authorizeOperation(layers, operation, {
      ...target,
      ...params,
      context: { ...options.context, ...params.context, ...context },
    })
  }
  const describe = (operation: string, request?: string | OperationParams) =>
    `${operation}${typeof request === 'string' ? ` "${request}"` : request ? ` ${JSON.stringify(request)}` : ''}`
  return {
    target,
    decide,
    allows: (operation, request, context) => decide(operation, request, context).decision === 'Allow',
    explain: (operation, request, context) => formatOperationDecision(decide(operation, request, context)),
    assertAllowed(operation, request, context) {
      const result = decide(operation, request, context)
      if (result.decision !== 'Allow') {
        throw new Error(`expected ${describe(operation, request)} to be allowed, but it is ${result.decision}\n${formatOperationDecision(result)}`)
      }
    },
    assertDenied(operation, request, expected, context) {
      const wanted = expected === undefined ? {} : toExpectation(expected)
      const result = decide(operation, request, context)
      if (result.decision === 'Allow') {
        throw new Error(`expected ${describe(operation, request)} to be denied, but it is allowed\n${formatOperationDecision(result)}`)
      }
      const denied = result.checks.filter((c) => c.result.decision !== 'Allow').map((c) => c.result)
      const fits =
        (wanted.decision === undefined || wanted.decision === result.decision) &&
        denied.some((d) => (wanted.reason === undefined || d.reason === wanted.reason) && (wanted.layer === undefined || d.layer === wanted.layer))
      if (!fits) {
        const got = denied.map((d) => `${d.decision} (${d.reason}, ${d.layer} layer)`).join('; ')
        throw new Error(`expected ${describe(operation, request)} to be denied with ${JSON.stringify(wanted)}, but it is ${got}\n${formatOperationDecision(result)}`)
      }
    },
  }
}

function toLayers(policies: SimulatorPolicies): { layers: PolicyLayers; rendered?: RenderedPolicy } {
  if (Array.isArray(policies)) return { layers: { identity: policies as readonly Policy[] } }
  if (isRendered(policies)) return { layers: { session: [policies.policy] }, rendered: policies }
  const layered = policies as PolicyLayers | (Omit<PolicyLayers, 'session'> & { session: RenderedPolicy })
  if (layered.session !== undefined && isRendered(layered.session)) {
    return { layers: { ...layered, session: [layered.session.policy] }, rendered: layered.session }
  }
  return { layers: layered as PolicyLayers }
}

function isRendered(value: unknown): value is RenderedPolicy {
  return typeof value === 'object' && value !== null && 'policy' in value && 'values' in value && 'prefix' in value
}

function toExpectation(expected: DenialExpectation): { decision?: DecisionValue; reason?: DecisionReason; layer?: DecisionLayer } {
  if (expected === 'ExplicitDeny' || expected === 'ImplicitDeny') return { decision: expected }
  if (typeof expected === 'string') {
    if (expected in DECISION_REASONS) return { reason: expected }
    throw new TypeError(`assertDenied: "${expected}" is neither ExplicitDeny, ImplicitDeny nor a reason (${Object.keys(DECISION_REASONS).join(', ')})`)
  }
  const unknown = Object.keys(expected).filter((k) => !EXPECTATION_KEYS.has(k))
  if (unknown.length > 0) throw new TypeError(`assertDenied: the expected denial takes decision, reason and layer; got ${unknown.join(', ')} (the request context is the fourth argument)`)
  return expected
}
