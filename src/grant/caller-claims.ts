import type { Principal } from './vend.js'

/**
 * The identity-token claims a principal carries, for path rules naming `{claims.NAME}`; none
 * when its token source passes none on (ossvend's own tokens carry no claims).
 */
export function claimsOf(principal: Principal): Readonly<Record<string, unknown>> | undefined {
  const claims = (principal as { readonly claims?: unknown }).claims
  return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Readonly<Record<string, unknown>>) : undefined
}
