import { CLAIM_VALUE } from '../policy/path-rules/grants.js'
import { CLAIM_NAME } from '../policy/path-rules/rule-set.js'
import type { Principal } from './vend.js'

/** An ossvend session carries at most this many identity-token claims (each name and value short). */
export const MAX_CARRIED_CLAIMS = 16

/**
 * The identity-token claims a principal carries, for path rules naming `{claims.NAME}`: an
 * identity provider's token used directly, or an ossvend session exchanged for one (only the
 * claims `carriedClaims` kept); none for built-in users and guests.
 */
export function claimsOf(principal: Principal): Readonly<Record<string, unknown>> | undefined {
  const claims = (principal as { readonly claims?: unknown }).claims
  return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Readonly<Record<string, unknown>>) : undefined
}

/**
 * The claims an ossvend session keeps from an identity provider's token: only those named (the
 * claims some rules scope reads), only string values the rules could use (the user id
 * characters), at most MAX_CARRIED_CLAIMS. Without `names`, every well-named claim is kept: for
 * reading back what ossvend itself stored (its token, its refresh family). Undefined when none.
 */
export function carriedClaims(source: unknown, names?: readonly string[]): Readonly<Record<string, string>> | undefined {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return undefined
  const from = source as Readonly<Record<string, unknown>>
  const kept: Record<string, string> = Object.create(null) as Record<string, string>
  let count = 0
  for (const name of names ?? Object.keys(from)) {
    if (count >= MAX_CARRIED_CLAIMS) break
    if (!CLAIM_NAME.test(name) || !Object.hasOwn(from, name)) continue
    const value = from[name]
    if (typeof value !== 'string' || !CLAIM_VALUE.pattern.test(value)) continue
    kept[name] = value
    count++
  }
  return count > 0 ? kept : undefined
}
