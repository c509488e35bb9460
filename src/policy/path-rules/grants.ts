import { ClaimUnusableError } from '../../errors.js'
import { TEMPLATE_VARIABLES } from '../template.js'
import type { PathRule, Role, RuleSet, Verb } from './rule-set.js'

/** Who the rules are resolved for. */
export interface RuleCaller {
  /** A user id as ossvend namespaces them (`local.alice`, `alice`, `guest._ab12...`). */
  readonly user: string
  /** Guests get the `guest` role only; everyone else `authenticated`, and `owner` on their own paths. */
  readonly guest: boolean
  /** The caller's identity-token claims; only those the rules name are read. */
  readonly claims?: Readonly<Record<string, unknown>>
}

/** A resolved piece of a key pattern: literal text, or `any` (RAM's `*`). */
export type ResolvedToken = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'any' }

/** One rule as it applies to one caller in one role. */
export interface Grant {
  readonly rule: PathRule
  readonly role: Role
  readonly bucket: string
  readonly tokens: readonly ResolvedToken[]
  readonly verbs: readonly Verb[]
}

/** Claim values obey the user id character set: they become key segments and policy text. */
export const CLAIM_VALUE = TEMPLATE_VARIABLES.user

/** The roles a caller holds, in the order their grants are compiled. */
export function rolesOf(caller: RuleCaller): readonly Role[] {
  return caller.guest ? ['guest'] : ['authenticated', 'owner']
}

/**
 * Resolves every rule for a caller: one grant per (rule, role the caller holds and the rule
 * grants), placeholders replaced by the caller's values (or `any` for `{user}` outside owner).
 * @throws {ClaimUnusableError} ERR_CLAIM_UNUSABLE (403) when a rule that would grant this caller
 *   something names a claim the caller lacks, or whose value is outside the user id characters.
 */
export function resolveGrants(rules: RuleSet, caller: RuleCaller, defaultBucket: string): Grant[] {
  const grants: Grant[] = []
  for (const rule of rules.rules) {
    for (const role of rolesOf(caller)) {
      const verbs = rule.access[role]
      if (!verbs || verbs.length === 0) continue
      const tokens: ResolvedToken[] = []
      const push = (token: ResolvedToken) => {
        const last = tokens.at(-1)
        if (token.kind === 'text' && last?.kind === 'text') tokens[tokens.length - 1] = { kind: 'text', text: last.text + token.text }
        else tokens.push(token)
      }
      for (const token of rule.tokens) {
        if (token.kind === 'text') push(token)
        else if (token.kind === 'any') push(token)
        else if (token.kind === 'user') push(role === 'owner' ? { kind: 'text', text: caller.user } : { kind: 'any' })
        else push({ kind: 'text', text: claimValue(caller, token.name) })
      }
      grants.push({ rule, role, bucket: rule.bucket ?? defaultBucket, tokens, verbs })
    }
  }
  return grants
}

function claimValue(caller: RuleCaller, name: string): string {
  const claims = caller.claims ?? {}
  const value = Object.hasOwn(claims, name) ? claims[name] : undefined
  // The value itself is never echoed: it is untrusted input.
  if (value === undefined || value === null || value === '') throw new ClaimUnusableError('claim-missing', `the rules need the claim "${name}", which the token does not carry`)
  if (typeof value !== 'string' || !CLAIM_VALUE.pattern.test(value)) {
    throw new ClaimUnusableError('claim-charset', `the claim "${name}" is not usable in a key: it must be ${CLAIM_VALUE.rule}`)
  }
  return value
}

/** The literal text before the first `any`: where a prefix grant starts. */
export function literalStart(tokens: readonly ResolvedToken[]): string {
  let out = ''
  for (const t of tokens) {
    if (t.kind === 'any') return out
    out += t.text
  }
  return out
}

export function endsWithAny(tokens: readonly ResolvedToken[]): boolean {
  return tokens.at(-1)?.kind === 'any'
}

/** The grant's key pattern in RAM's spelling (`any` is `*`). */
export function patternText(tokens: readonly ResolvedToken[]): string {
  return tokens.map((t) => (t.kind === 'any' ? '*' : t.text)).join('')
}
