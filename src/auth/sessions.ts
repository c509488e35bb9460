import type { Clock } from '../lib/clock.js'
import type { AuthenticatedPrincipal } from './principal.js'
import { invalidToken } from './provider.js'
import { newRefreshToken, parseRefreshToken, type RefreshFamily, type RefreshTokenStore } from './refresh-tokens.js'
import { revocationIds, sessionKeyOf, tokenIds, type RevocationList } from './revocations.js'
import type { TokenIssuer, TokenSubject } from './tokens.js'

/** What sign-in, refresh and exchange answer. */
export interface SessionTokens {
  readonly accessToken: string
  readonly tokenType: 'Bearer'
  readonly expiresIn: number
  readonly refreshToken: string
  readonly refreshExpiresIn: number
}

export interface SessionsOptions {
  readonly issuer: TokenIssuer
  readonly store: RefreshTokenStore
  readonly revocations: RevocationList
  readonly clock: Clock
  readonly refreshTtlSec: number
  readonly accessTtlSec: number
  readonly clockToleranceSec: number
  /**
   * The user's scopes now, for a refresh: a built-in user removed or changed since sign-in is
   * not refreshed with what they had. Undefined: the user is gone.
   */
  readonly currentScopes?: (family: RefreshFamily) => readonly string[] | undefined
  /**
   * A session (`sid:<family>`) or a sessionless token (`jti:`/`tok:`) ended: what was issued on
   * its strength ends too (provider-URL tokens, see provider-token.ts).
   */
  readonly onEnded?: (sessionKeys: readonly string[]) => Promise<void>
}

export type Sessions = ReturnType<typeof createSessions>

/** ossvend sessions: a short access token plus a rotating refresh token, and signing out. */
export function createSessions(options: SessionsOptions) {
  // A cached principal is checked on every request that presents its token: its ids are made once.
  const ids = new WeakMap<AuthenticatedPrincipal, readonly string[]>()
  const idsOf = (principal: AuthenticatedPrincipal): readonly string[] => {
    let known = ids.get(principal)
    if (!known) ids.set(principal, (known = revocationIds(principal)))
    return known
  }
  const now = () => options.clock().getTime()
  /** Every access token of a session has expired by then. */
  const sessionTokensGoneAt = () => now() + (options.accessTtlSec + options.clockToleranceSec) * 1000

  function tokens(subject: TokenSubject & { sid: string }, refreshToken: string, expiresAtMs: number): SessionTokens {
    const { accessToken, expiresIn } = options.issuer.issue(subject)
    return { accessToken, tokenType: 'Bearer', expiresIn, refreshToken, refreshExpiresIn: Math.max(0, Math.ceil((expiresAtMs - now()) / 1000)) }
  }

  return {
    async start(subject: Omit<TokenSubject, 'sid'>): Promise<SessionTokens> {
      const refresh = newRefreshToken()
      const expiresAtMs = now() + options.refreshTtlSec * 1000
      const family = { userId: subject.userId, provider: subject.provider, scopes: [...subject.scopes], expiresAtMs, ...(subject.claims ? { claims: subject.claims } : {}) }
      await options.store.create(refresh.familyId, family, refresh.secretHash)
      return tokens({ ...subject, sid: refresh.familyId }, refresh.token, expiresAtMs)
    },

    /** A new pair for a refresh token; a retired one revokes its whole session. */
    async refresh(refreshToken: string): Promise<SessionTokens> {
      const presented = parseRefreshToken(refreshToken)
      if (!presented) throw invalidToken('refresh-malformed')
      const next = newRefreshToken(presented.familyId)
      const result = await options.store.rotate(presented.familyId, presented.secretHash, next.secretHash)
      if (result.outcome !== 'rotated') {
        if (result.outcome === 'reused') {
          await options.revocations.revoke(`sid:${presented.familyId}`, sessionTokensGoneAt())
          await options.onEnded?.([`sid:${presented.familyId}`])
        }
        throw invalidToken(`refresh-${result.outcome}`)
      }
      const family = result.family
      const scopes = options.currentScopes ? options.currentScopes(family) : family.scopes
      if (!scopes) {
        await this.endSession(presented.familyId)
        throw invalidToken('user-gone')
      }
      const claims = family.claims ? { claims: family.claims } : {}
      return tokens({ userId: family.userId, provider: family.provider, scopes, sid: presented.familyId, ...claims }, next.token, family.expiresAtMs)
    },

    /** Ends a refresh token family and every access token issued in it. */
    async endSession(familyId: string): Promise<void> {
      await options.store.revoke(familyId)
      await options.revocations.revoke(`sid:${familyId}`, sessionTokensGoneAt())
      await options.onEnded?.([`sid:${familyId}`])
    },

    /**
     * Signs out: this access token (ossvend's or an identity provider's, until it expires), its
     * session, what was issued with either (provider-URL tokens), and (when given) the refresh
     * token's session.
     */
    async signOut(principal: AuthenticatedPrincipal, refreshToken?: string): Promise<void> {
      const untilMs = ((principal.exp ?? 0) + options.clockToleranceSec) * 1000
      for (const id of tokenIds(principal)) await options.revocations.revoke(id, untilMs)
      if (principal.sid) await this.endSession(principal.sid)
      else {
        const key = sessionKeyOf(principal)
        if (key) await options.onEnded?.([key])
      }
      const presented = refreshToken ? parseRefreshToken(refreshToken) : undefined
      if (presented && presented.familyId !== principal.sid) {
        // Only a session of the same user: a stolen refresh token id alone must not sign anyone out.
        const result = await options.store.rotate(presented.familyId, presented.secretHash, presented.secretHash)
        if (result.outcome === 'rotated' && result.family.userId === principal.userId) await this.endSession(presented.familyId)
      }
    },

    /** True the first time (an identity provider token exchanged once). */
    claimOnce: (id: string, untilMs: number) => options.revocations.claimOnce(id, untilMs),
    isRevoked: (principal: AuthenticatedPrincipal) => options.revocations.isRevoked(idsOf(principal)),
    isRevokedLocally: (principal: AuthenticatedPrincipal) => options.revocations.isRevokedLocally(idsOf(principal)),
  }
}
