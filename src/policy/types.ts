import type { ConditionOperator } from './condition/operator.js'
import type { KnownAction } from './action.js'
import type { ResourcePattern } from './resource.js'

export type Effect = 'Allow' | 'Deny'

/** Identity policies (RAM, STS session) carry no Principal; bucket policies must. */
export type PolicyKind = 'identity' | 'bucket'

export type ConditionValueDocument = string | number | boolean | readonly (string | number | boolean)[]

/** A statement as written: every list element may also be a single string. */
export interface StatementDocument {
  readonly Sid?: string
  readonly Effect: Effect
  readonly Action?: string | readonly string[]
  readonly NotAction?: string | readonly string[]
  readonly Resource?: string | readonly string[]
  readonly NotResource?: string | readonly string[]
  readonly Principal?: string | readonly string[]
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, ConditionValueDocument>>>>
}

export interface PolicyDocument {
  readonly Version: '1'
  readonly Statement: readonly StatementDocument[]
}

export interface ActionPattern {
  readonly text: string
  /** Where the entry stands in the document, as written (`/Action` for a single string). */
  readonly pointer: string
  readonly matches: (lowerCaseAction: string) => boolean
  /** The known OSS actions this entry covers (for lint and the probe). */
  readonly known: readonly KnownAction[]
}

export interface LocatedResourcePattern extends ResourcePattern {
  readonly pointer: string
}

export interface Condition {
  readonly operator: ConditionOperator
  /** The key as written in the policy. */
  readonly key: string
  readonly keyLower: string
  readonly values: readonly string[]
  readonly test: (actual: string) => boolean
}

/** A statement after both parse passes: lists everywhere, matchers compiled once. */
export interface Statement {
  readonly index: number
  readonly pointer: string
  readonly sid?: string
  readonly effect: Effect
  readonly actionElement: 'Action' | 'NotAction'
  readonly actions: readonly ActionPattern[]
  readonly resourceElement: 'Resource' | 'NotResource'
  readonly resources: readonly LocatedResourcePattern[]
  readonly conditions: readonly Condition[]
  readonly principals?: readonly string[]
}

export interface Policy {
  /** Where the policy came from (file name or caller's label); shown in traces. */
  readonly name: string
  readonly kind: PolicyKind
  readonly statements: readonly Statement[]
  /** The normalised document: arrays everywhere, keys in RAM's order. */
  readonly document: PolicyDocument
}

export type RequestContext = Readonly<Record<string, string | readonly string[] | undefined>>
