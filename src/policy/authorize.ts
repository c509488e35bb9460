import { evaluatePolicySet, type PrincipalInfo } from './evaluate.js'
import { lowerAction, prepareRequest, type AuthorizationRequest } from './request.js'
import type { Decision, DecisionLayer, DecisionReason, DecisionValue, LayerTrace, StatementTrace } from './trace.js'
import type { Policy } from './types.js'

export type BucketAcl = 'private' | 'public-read' | 'public-read-write'
export type ObjectAcl = BucketAcl | 'default'

/** How the ACL fallback treats a data operation. */
export type AclAccess = 'read' | 'write' | 'none'

const ACL_READ = new Set(['oss:getobject', 'oss:getobjectversion'])
const ACL_WRITE = new Set([
  'oss:putobject', 'oss:deleteobject', 'oss:deleteobjectversion', 'oss:abortmultipartupload', 'oss:listparts',
])

/** What a public ACL would have to grant for this action: public-read covers reads only. */
export function aclAccessFor(action: string): AclAccess {
  return aclAccessForLower(lowerAction(action))
}

function aclAccessForLower(lower: string): AclAccess {
  return ACL_READ.has(lower) ? 'read' : ACL_WRITE.has(lower) ? 'write' : 'none'
}

export interface PolicyLayers {
  /** The STS session policy; absent when the caller has none. Never widened by other layers. */
  readonly session?: readonly Policy[]
  /**
   * The role's (or RAM user's) own policies. Absent means unknown to ossvend: with a session
   * policy, the role is taken to grant what the session grants (its policies must, for vended
   * credentials to work at all), so the session decides; without one, there are none. An empty
   * list means the role has no policies, which leaves nothing for a session to intersect with.
   */
  readonly identity?: readonly Policy[]
  /** The bucket policy, whose statements carry Principal. */
  readonly bucket?: readonly Policy[]
  readonly acl?: { readonly bucket?: BucketAcl; readonly object?: ObjectAcl }
  readonly principal?: PrincipalInfo
}

const ANONYMOUS: PrincipalInfo = { type: 'anonymous' }

export interface AuthorizeOptions {
  /** Object (data) operations fall back to ACLs; bucket and service operations do not. */
  readonly dataOperation?: boolean
}

/**
 * The full decision for one request, in the documented order (policy-semantics 1.4 and 2.5):
 * 1. the session policy gates: anything but Allow stops here;
 * 2. identity and bucket policies together: a Deny in either wins, then an Allow in either (an
 *    absent identity layer under a session that allowed counts as Allow, see `identity`);
 * 3. otherwise data operations fall back to the object ACL (`default` inherits the bucket's),
 *    and management operations are denied.
 */
export function authorize(
  layers: PolicyLayers,
  request: AuthorizationRequest,
  options: AuthorizeOptions = {},
): Decision {
  const prepared = prepareRequest(request)
  const traces: LayerTrace[] = []
  const principal = layers.principal ?? (layers.session || layers.identity ? undefined : ANONYMOUS)

  if (layers.session) {
    const session = evaluatePolicySet(layers.session, prepared, 'session')
    traces.push(session)
    if (session.decision !== 'Allow') {
      return decide(session.decision, 'session', session.decision === 'ExplicitDeny' ? 'explicit-deny' : 'session-not-allowed', traces, session)
    }
  }

  const identity = layers.identity ? evaluatePolicySet(layers.identity, prepared, 'identity') : undefined
  if (identity) traces.push(identity)
  const bucket = layers.bucket ? evaluatePolicySet(layers.bucket, prepared, 'bucket', principal) : undefined
  if (bucket) traces.push(bucket)

  // Hot path (every decision): the two layers compared in place, no list of them.
  if (identity?.decision === 'ExplicitDeny') return decide('ExplicitDeny', 'identity', 'explicit-deny', traces, identity)
  if (bucket?.decision === 'ExplicitDeny') return decide('ExplicitDeny', 'bucket', 'explicit-deny', traces, bucket)
  if (identity?.decision === 'Allow') return decide('Allow', 'identity', 'allowed', traces, identity)
  if (bucket?.decision === 'Allow') return decide('Allow', 'bucket', 'allowed', traces, bucket)
  // The session allowed and the role's policies are unknown: the role is taken to grant what the
  // session grants, so identity-or-bucket is Allow whatever the bucket policy leaves unsaid.
  if (layers.session && !identity) return decide('Allow', 'session', 'allowed', traces, traces[0])
  if (principal?.type === 'owner') return decide('Allow', 'owner', 'bucket-owner', traces)

  if (!options.dataOperation) {
    const anyLayer = identity ?? bucket
    return decide('ImplicitDeny', anyLayer?.layer ?? 'default', anyLayer ? 'no-allow' : 'management-no-allow', traces)
  }
  return aclDecision(layers.acl, aclAccessForLower(prepared.actionLower), traces)
}

function aclDecision(
  acl: PolicyLayers['acl'],
  access: AclAccess,
  traces: LayerTrace[],
): Decision {
  const objectAcl = acl?.object ?? 'default'
  const effective: BucketAcl = objectAcl === 'default' ? (acl?.bucket ?? 'private') : objectAcl
  const grants =
    (effective === 'public-read' && access === 'read') ||
    (effective === 'public-read-write' && (access === 'read' || access === 'write'))
  if (grants) {
    return decide('Allow', 'acl', effective === 'public-read' ? 'acl-public-read' : 'acl-public-read-write', traces)
  }
  return decide('ImplicitDeny', 'acl', 'acl-private', traces)
}

const NONE: readonly StatementTrace[] = Object.freeze([])

/** `deciding` is the trace of the layer that decided, when a policy layer did. */
function decide(
  decision: DecisionValue,
  layer: DecisionLayer,
  reason: DecisionReason,
  layers: LayerTrace[],
  deciding?: LayerTrace,
): Decision {
  // Hot path (every decision): plain loops, no closures; when every statement of the deciding
  // layer decided (a one-statement policy), its own list of them is the answer.
  let matched = NONE
  if (decision !== 'ImplicitDeny' && deciding) {
    const wanted = decision === 'ExplicitDeny' ? 'Deny' : 'Allow'
    const statements = deciding.statements
    let count = 0
    for (const s of statements) if (s.matched && s.effect === wanted) count++
    if (count === statements.length) matched = statements
    else if (count > 0) {
      const list: StatementTrace[] = []
      for (const s of statements) if (s.matched && s.effect === wanted) list.push(s)
      matched = list
    }
  }
  return { decision, layer, reason, matched, layers }
}
