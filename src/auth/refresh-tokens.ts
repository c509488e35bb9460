import { createHash, randomBytes } from 'node:crypto'

/** A signed-in session: who, with which scopes, until when. */
export interface RefreshFamily {
  readonly userId: string
  readonly provider: string
  readonly scopes: readonly string[]
  readonly expiresAtMs: number
  /** Identity-token claims kept at exchange, carried on by every refresh (grant/caller-claims.ts). */
  readonly claims?: Readonly<Record<string, string>>
}

export type RotateResult =
  | { readonly outcome: 'rotated'; readonly family: RefreshFamily }
  | { readonly outcome: 'reused' | 'unknown' }

/**
 * Refresh token families (OAuth 2.0 Security BCP, section 4.14.2): each refresh gives a new
 * token and retires the old one; presenting a retired token revokes the whole family, since
 * then two parties hold it. Only hashes of the secrets are kept.
 */
export interface RefreshTokenStore {
  create(familyId: string, family: RefreshFamily, secretHash: string): Promise<void>
  /** Replaces the current secret hash if `presentedHash` is it; a mismatch revokes the family. */
  rotate(familyId: string, presentedHash: string, nextHash: string): Promise<RotateResult>
  /** Ends the family; what it was, if it existed and was live. */
  revoke(familyId: string): Promise<RefreshFamily | undefined>
}

/** A refresh token: `<family id>.<secret>`, both base64url; opaque to clients. */
export function newRefreshToken(familyId = randomBytes(16).toString('base64url')): { token: string; familyId: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url')
  return { token: `${familyId}.${secret}`, familyId, secretHash: hashSecret(secret) }
}

export function parseRefreshToken(token: string): { familyId: string; secretHash: string } | undefined {
  const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token)
  return match ? { familyId: match[1] as string, secretHash: hashSecret(match[2] as string) } : undefined
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** One process: families in memory, dropped when they expire. */
export function createMemoryRefreshTokenStore(now: () => number): RefreshTokenStore {
  const families = new Map<string, { family: RefreshFamily; hash: string; revoked: boolean }>()
  const live = (id: string) => {
    const entry = families.get(id)
    if (entry && entry.family.expiresAtMs <= now()) {
      families.delete(id)
      return undefined
    }
    return entry
  }
  return {
    async create(familyId, family, secretHash) {
      if (families.size > 100_000) for (const id of families.keys()) live(id)
      families.set(familyId, { family, hash: secretHash, revoked: false })
    },
    async rotate(familyId, presentedHash, nextHash) {
      const entry = live(familyId)
      if (!entry || entry.revoked) return { outcome: 'unknown' }
      if (entry.hash !== presentedHash) {
        entry.revoked = true
        return { outcome: 'reused' }
      }
      entry.hash = nextHash
      return { outcome: 'rotated', family: entry.family }
    },
    async revoke(familyId) {
      const entry = live(familyId)
      if (!entry || entry.revoked) return undefined
      entry.revoked = true
      return entry.family
    },
  }
}
