import type { Principal } from '../grant/vend.js'

/** A verified token's holder, with what sign-out needs to revoke it. */
export interface AuthenticatedPrincipal extends Principal {
  readonly provider: string
  /** The access token's id (ossvend's tokens always have one). */
  readonly jti?: string
  /**
   * An identity provider's token used directly: `tok:<SHA-256 of the token>`, what signing out
   * revokes (the provider's own `jti` is not trusted to be unique across providers).
   */
  readonly tokenId?: string
  /**
   * Identity-token claims: all of a provider's verified token used directly, or those an
   * exchanged ossvend session kept for path rules (its access token's `ovc`).
   */
  readonly claims?: Readonly<Record<string, unknown>>
  /** The refresh token family the access token was issued in. */
  readonly sid?: string
  /** Expiry, seconds since the epoch. */
  readonly exp?: number
  /** Verified again from then on (an identity provider's key may have been withdrawn), in ms. */
  readonly reverifyAtMs?: number
}
