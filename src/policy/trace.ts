import type { Effect } from './types.js'

export type DecisionValue = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny'

/** Where a layered decision was made (policy-semantics section 2.5). */
export type DecisionLayer = 'session' | 'identity' | 'bucket' | 'acl' | 'owner' | 'default'

/** Why a statement did not apply to the request. */
export const STATEMENT_MISMATCH_REASONS = {
  principal: 'the Principal does not name the caller',
  action: 'no Action entry matches (or a NotAction entry does)',
  resource: 'no Resource entry matches (or a NotResource entry does)',
  condition: 'a condition is not met',
} as const
export type StatementMismatchReason = keyof typeof STATEMENT_MISMATCH_REASONS

/** Why a condition failed: the key was absent, or no value satisfied the operator. */
export const CONDITION_FAILURE_CAUSES = {
  'missing-key': 'the request has no value for the key',
  'no-value-matched': 'no value of the key satisfies the operator',
  'value-matched': 'a value of the key matches, which a negated operator refuses',
} as const
export type ConditionFailureCause = keyof typeof CONDITION_FAILURE_CAUSES

export interface ConditionTrace {
  readonly operator: string
  readonly key: string
  readonly cause: ConditionFailureCause
}

export interface StatementTrace {
  readonly policy: string
  readonly index: number
  /** JSON Pointer of the statement inside its policy, e.g. `/Statement/0`. */
  readonly pointer: string
  readonly sid?: string | undefined
  readonly effect: Effect
  readonly matched: boolean
  readonly reason?: StatementMismatchReason | undefined
  readonly condition?: ConditionTrace | undefined
}

export interface LayerTrace {
  readonly layer: DecisionLayer
  readonly decision: DecisionValue
  readonly statements: readonly StatementTrace[]
}

/** Machine-readable reasons for a final decision; stable, safe to show to API clients. */
export const DECISION_REASONS = {
  'explicit-deny': 'a Deny statement matched',
  allowed: 'an Allow statement matched and no Deny did',
  'no-allow': 'no statement allowed the request',
  'session-not-allowed': 'the STS session policy did not allow it, which ends the evaluation',
  'acl-public-read': 'no policy decided, and the ACL is public-read',
  'acl-public-read-write': 'no policy decided, and the ACL is public-read-write',
  'acl-private': 'no policy decided, and the ACL does not grant it',
  'management-no-allow': 'no policy allowed a bucket or service operation; ACLs do not apply to it',
  'bucket-owner': 'the bucket owner may do anything no Deny forbids',
} as const
export type DecisionReason = keyof typeof DECISION_REASONS

export interface Decision {
  readonly decision: DecisionValue
  readonly layer: DecisionLayer
  readonly reason: DecisionReason
  /** The statements that decided: the Deny ones for ExplicitDeny, the Allow ones for Allow. */
  readonly matched: readonly StatementTrace[]
  readonly layers: readonly LayerTrace[]
}
