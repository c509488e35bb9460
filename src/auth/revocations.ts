import type { AuthenticatedPrincipal } from './principal.js'

/**
 * Signed-out access tokens (`jti:<id>`, an identity provider's `tok:<hash>`) and sessions
 * (`sid:<family>`), each kept until the last
 * token it could cover has expired; also one-time claims (an exchanged identity provider token).
 */
export interface RevocationList {
  revoke(id: string, untilMs: number): Promise<void>
  isRevoked(ids: readonly string[]): Promise<boolean>
  /** What this process already knows, without waiting (for the verified-token cache). */
  isRevokedLocally(ids: readonly string[]): boolean
  /** True the first time `id` is claimed (until `untilMs`), false every time after. */
  claimOnce(id: string, untilMs: number): Promise<boolean>
  close(): Promise<void>
}

/** The ids that revoke this very token (ossvend's `jti`, or an identity provider token's hash). */
export function tokenIds(principal: AuthenticatedPrincipal): string[] {
  return [...(principal.jti ? [`jti:${principal.jti}`] : []), ...(principal.tokenId ? [principal.tokenId] : [])]
}

/** The ids that revoke a principal's token: its own and its session's. */
export function revocationIds(principal: AuthenticatedPrincipal): string[] {
  return [...tokenIds(principal), ...(principal.sid ? [`sid:${principal.sid}`] : [])]
}

/**
 * What things issued on the strength of this token (provider-URL tokens) are filed under, so
 * that signing out ends them too: the session, or the token itself when it has no session.
 */
export function sessionKeyOf(principal: Partial<AuthenticatedPrincipal>): string | undefined {
  if (principal.sid) return `sid:${principal.sid}`
  return principal.jti ? `jti:${principal.jti}` : principal.tokenId
}

/** A bounded in-process table of ids until their expiry. */
export class ExpiringSet {
  private readonly entries = new Map<string, number>()
  private readonly now: () => number
  private readonly maxEntries: number
  constructor(now: () => number, maxEntries = 1_000_000) {
    this.now = now
    this.maxEntries = maxEntries
  }

  add(id: string, untilMs: number): void {
    if (this.entries.size >= this.maxEntries) this.prune()
    this.entries.set(id, Math.max(untilMs, this.entries.get(id) ?? 0))
  }

  has(id: string): boolean {
    const until = this.entries.get(id)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.entries.delete(id)
    return false
  }

  private prune(): void {
    const now = this.now()
    for (const [id, until] of this.entries) if (until <= now) this.entries.delete(id)
    // Still full: drop the oldest insertions; a revoked token must never be the one dropped
    // silently, so the table is sized far above a realistic count of sign-outs per token life.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string)
  }
}

/** One process: everything in memory. */
export function createMemoryRevocationList(now: () => number): RevocationList {
  const revoked = new ExpiringSet(now)
  const claimed = new ExpiringSet(now)
  return {
    async revoke(id, untilMs) {
      revoked.add(id, untilMs)
    },
    async isRevoked(ids) {
      return ids.some((id) => revoked.has(id))
    },
    isRevokedLocally: (ids) => ids.some((id) => revoked.has(id)),
    async claimOnce(id, untilMs) {
      if (claimed.has(id)) return false
      claimed.add(id, untilMs)
      return true
    },
    async close() {},
  }
}
