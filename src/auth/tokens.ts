import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import jwt, { type JwtPayload } from 'jsonwebtoken'
import { AuthExpiredError, AuthInvalidError } from '../errors.js'
import { carriedClaims } from '../grant/caller-claims.js'
import type { Clock } from '../lib/clock.js'
import type { AuthenticatedPrincipal } from './principal.js'
import { invalidToken, type ExternalProvider } from './provider.js'
import { BUILT_IN_USER_ID, LOCAL_PROVIDER, PROVIDER_NAME, providerOf, USER_ID } from './user-id.js'

const ACCESS_TOKEN_TYPE = 'at+jwt'

export interface TokenIssuerOptions {
  /** At least 32 bytes (RFC 8725 section 3.5). */
  readonly secret: Buffer
  readonly issuer: string
  readonly audience: string
  readonly ttlSec: number
  readonly clock: Clock
}

/** Who an access token is for. */
export interface TokenSubject {
  readonly userId: string
  readonly provider: string
  readonly scopes: readonly string[]
  /** The refresh token family, so signing out ends every token of the session. */
  readonly sid?: string
  /** Identity-token claims kept at exchange for path rules (grant/caller-claims.ts), as `ovc`. */
  readonly claims?: Readonly<Record<string, string>>
}

export interface IssuedAccessToken {
  readonly accessToken: string
  readonly expiresIn: number
  readonly jti: string
}

/**
 * Issues ossvend's own HS256 access tokens (`typ: at+jwt`, with `jti`, `idp` unless local, and
 * `ovc` when an exchanged session kept claims).
 */
export function createTokenIssuer(options: TokenIssuerOptions) {
  if (options.secret.length < 32) throw new TypeError('the JWT secret must have at least 32 bytes')
  const key = createSecretKey(options.secret)
  return {
    issue(subject: TokenSubject, ttlSec = options.ttlSec): IssuedAccessToken {
      const iat = Math.floor(options.clock().getTime() / 1000)
      const jti = randomUUID()
      const accessToken = jwt.sign(
        {
          sub: subject.userId,
          scope: subject.scopes.join(' '),
          ...(subject.provider === LOCAL_PROVIDER ? {} : { idp: subject.provider }),
          ...(subject.sid ? { sid: subject.sid } : {}),
          ...(subject.claims ? { ovc: subject.claims } : {}),
          iat,
          exp: iat + ttlSec,
          jti,
        },
        key,
        { algorithm: 'HS256', issuer: options.issuer, audience: options.audience, header: { alg: 'HS256', typ: ACCESS_TOKEN_TYPE } },
      )
      return { accessToken, expiresIn: ttlSec, jti }
    },
  }
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>

export interface TokenVerifierOptions {
  readonly own?: { readonly secret: Buffer; readonly issuer: string; readonly audience: string }
  /** External identity providers; a token goes to the one whose issuer is its `iss`. */
  readonly providers?: readonly ExternalProvider[]
  /** Signed-out tokens and sessions; consulted for every token, ossvend's and the providers'. */
  readonly isRevoked?: (principal: AuthenticatedPrincipal) => Promise<boolean>
  readonly clockToleranceSec: number
  /** Longest accepted `exp - iat`. */
  readonly maxLifetimeSec: number
  readonly clock: Clock
}

export type TokenVerifier = ((token: string) => Promise<AuthenticatedPrincipal>) & {
  /** A token already verified, not expired and not revoked, without a promise; undefined otherwise. */
  readonly cached?: (token: string) => AuthenticatedPrincipal | undefined
}

/**
 * Remembers tokens already verified, by their exact text, until their `exp`: a mobile app asks
 * again and again with the same token, and verifying costs more than the rest of the request.
 * Only a byte-identical token hits, so nothing can be forged through the cache; a token revoked
 * since (`isRevokedLocally`, fed by every instance's sign-outs) misses.
 */
export function withVerifiedTokenCache(
  verify: TokenVerifier,
  clock: Clock,
  maxEntries = 10_000,
  isRevokedLocally: (principal: AuthenticatedPrincipal) => boolean = () => false,
): TokenVerifier {
  const cache = new Map<string, { principal: AuthenticatedPrincipal; expiresAtMs: number }>()
  const cached = (token: string): AuthenticatedPrincipal | undefined => {
    const hit = cache.get(token)
    return hit && hit.expiresAtMs > clock().getTime() && !isRevokedLocally(hit.principal) ? hit.principal : undefined
  }
  return Object.assign(async function verifyCachedToken(token: string): Promise<AuthenticatedPrincipal> {
    const hit = cached(token)
    if (hit) return hit
    cache.delete(token)
    const principal = await verify(token)
    const exp = principal.exp ?? (jwt.decode(token) as JwtPayload | null)?.exp
    if (typeof exp === 'number') {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string)
      cache.set(token, { principal, expiresAtMs: Math.min(exp * 1000, principal.reverifyAtMs ?? Number.POSITIVE_INFINITY) })
    }
    return principal
  }, { cached })
}

/**
 * Verifies a bearer token. Its unverified `iss` only picks the verifier, never trying several:
 * ossvend's own tokens are HS256 with `typ: at+jwt`; each external provider checks its own with
 * its own keys and algorithm allowlist, so an HS256 token signed with a public key is refused.
 * `iss`, `aud`, `exp` and `iat` are required. Failures are AuthInvalidError (or AuthExpiredError)
 * with generic messages; the stable reason is the cause's message, for logs only.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // A KeyObject built once: given a Buffer, jsonwebtoken tries (and fails) to parse it as a
  // public key on every call, which costs more than the whole rest of a request.
  const ownKey = options.own ? createSecretKey(options.own.secret) : undefined
  const byIssuer = new Map((options.providers ?? []).map((p) => [p.issuer, p]))
  return async function verifyToken(token) {
    if (token.length > 8192 || token.split('.').length !== 3) throw invalidToken('malformed')
    const decoded = jwt.decode(token, { complete: true })
    const payload = decoded?.payload
    if (!decoded || typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalidToken('malformed')
    if (options.own && payload.iss === options.own.issuer) {
      const principal = verifyOwn(token, decoded.header, ownKey as KeyObject, options)
      if (await options.isRevoked?.(principal)) throw invalidToken('revoked')
      return principal
    }
    const provider = typeof payload.iss === 'string' ? byIssuer.get(payload.iss) : undefined
    if (!provider) throw invalidToken('issuer-unknown')
    const principal = await provider.verify(token)
    // An identity provider's token used directly and signed out (POST /v1/logout) stays refused.
    if (await options.isRevoked?.(principal)) throw invalidToken('revoked')
    return principal
  }
}

function verifyOwn(token: string, header: jwt.JwtHeader, key: KeyObject, options: TokenVerifierOptions): AuthenticatedPrincipal {
  const own = options.own as NonNullable<TokenVerifierOptions['own']>
  const clockTimestamp = Math.floor(options.clock().getTime() / 1000)
  let verified: JwtPayload
  try {
    if (header.typ !== ACCESS_TOKEN_TYPE) throw new Error('typ is not at+jwt')
    verified = jwt.verify(token, key, {
      clockTolerance: options.clockToleranceSec,
      clockTimestamp,
      complete: false,
      algorithms: ['HS256'],
      issuer: own.issuer,
      audience: own.audience,
    }) as JwtPayload
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new AuthExpiredError('token expired', { cause: err })
    throw new AuthInvalidError('invalid token', { cause: err })
  }
  // jsonwebtoken checks exp only when present; a token without it would never expire.
  if (typeof verified.exp !== 'number' || typeof verified.iat !== 'number') throw invalidToken('exp and iat are required')
  if (verified.iat > clockTimestamp + options.clockToleranceSec) throw invalidToken('iat in the future')
  if (verified.exp - verified.iat > options.maxLifetimeSec) throw invalidToken('lifetime')
  const sub = verified.sub
  const idp = verified.idp === undefined ? LOCAL_PROVIDER : verified.idp
  const subjectFits = typeof sub === 'string' && typeof idp === 'string' &&
    (idp === LOCAL_PROVIDER ? BUILT_IN_USER_ID.test(sub) : PROVIDER_NAME.test(idp) && USER_ID.test(sub) && providerOf(sub) === idp)
  if (!subjectFits) throw invalidToken('claim-charset')
  const scope = verified.scope
  const scopes = Array.isArray(scope) ? scope.map(String) : typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []
  const claims = carriedClaims(verified.ovc)
  return {
    userId: sub,
    provider: idp,
    scopes,
    exp: verified.exp,
    ...(typeof verified.jti === 'string' ? { jti: verified.jti } : {}),
    ...(typeof verified.sid === 'string' ? { sid: verified.sid } : {}),
    ...(claims ? { claims } : {}),
  }
}
