import type { PolicyLayers } from './authorize.js'
import { formatOperationDecision } from './explain.js'
import { authorizeOperation, type OperationDecision, type OperationParams } from './operations.js'
import type { Policy, RequestContext } from './types.js'

export interface SimulatorOptions {
  readonly bucket: string
  readonly account?: string
  readonly region?: string
  /** Condition context merged under every request's own context. */
  readonly context?: RequestContext
}

export interface Simulator {
  /** Decides an OSS operation. A string is the key, or for listing operations the prefix. */
  decide(operation: string, target?: string | OperationParams, context?: RequestContext): OperationDecision
  allows(operation: string, target?: string | OperationParams, context?: RequestContext): boolean
  /** The decision and the trace of every check, as text. */
  explain(operation: string, target?: string | OperationParams, context?: RequestContext): string
  /** Throws an Error whose message is the trace when the operation is not allowed. */
  assertAllowed(operation: string, target?: string | OperationParams, context?: RequestContext): void
  /** Throws an Error whose message is the trace when the operation is allowed. */
  assertDenied(operation: string, target?: string | OperationParams, context?: RequestContext): void
}

const LISTING = new Set(['listobjects', 'listobjectsv2', 'listobjectversions', 'listmultipartuploads'])

/**
 * A policy simulator for an app's own test suite:
 * @example
 * const sim = createSimulator({ session: [rendered.policy] }, { bucket: 'app-base-oss' })
 * sim.assertAllowed('PutObject', 'user1/photo.jpg')
 * sim.assertDenied('ListObjects', '')
 */
export function createSimulator(policies: readonly Policy[] | PolicyLayers, options: SimulatorOptions): Simulator {
  const layers: PolicyLayers = Array.isArray(policies) ? { identity: policies as readonly Policy[] } : (policies as PolicyLayers)
  const decide = (operation: string, target?: string | OperationParams, context?: RequestContext) => {
    const params: OperationParams =
      typeof target === 'string'
        ? LISTING.has(operation.toLowerCase())
          ? { prefix: target }
          : { key: target }
        : (target ?? {})
    return authorizeOperation(layers, operation, {
      bucket: options.bucket,
      account: options.account ?? '*',
      region: options.region ?? '*',
      ...params,
      context: { ...options.context, ...params.context, ...context },
    })
  }
  const describe = (operation: string, target?: string | OperationParams) =>
    `${operation}${typeof target === 'string' ? ` "${target}"` : target ? ` ${JSON.stringify(target)}` : ''}`
  return {
    decide,
    allows: (operation, target, context) => decide(operation, target, context).decision === 'Allow',
    explain: (operation, target, context) => formatOperationDecision(decide(operation, target, context)),
    assertAllowed(operation, target, context) {
      const result = decide(operation, target, context)
      if (result.decision !== 'Allow') {
        throw new Error(`expected ${describe(operation, target)} to be allowed, but it is ${result.decision}\n${formatOperationDecision(result)}`)
      }
    },
    assertDenied(operation, target, context) {
      const result = decide(operation, target, context)
      if (result.decision === 'Allow') {
        throw new Error(`expected ${describe(operation, target)} to be denied, but it is allowed\n${formatOperationDecision(result)}`)
      }
    },
  }
}
