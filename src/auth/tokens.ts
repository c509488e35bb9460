import { createHash, createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import jwt, { type JwtPayload } from 'jsonwebtoken'
import { AuthExpiredError, AuthInvalidError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { Principal } from '../grant/vend.js'
import { USERNAME_PATTERN } from './user-store.js'

const ACCESS_TOKEN_TYPE = 'at+jwt'

export interface TokenIssuerOptions {
  /** At least 32 bytes (RFC 8725 section 3.5). */
  readonly secret: Buffer
  readonly issuer: string
  readonly audience: string
  readonly ttlSec: number
  readonly clock: Clock
}

/** Issues ossvend's own HS256 access tokens (`typ: at+jwt`, with `jti`). */
export function createTokenIssuer(options: TokenIssuerOptions) {
  if (options.secret.length < 32) throw new TypeError('the JWT secret must have at least 32 bytes')
  const key = createSecretKey(options.secret)
  return {
    issue(user: { username: string; scopes: readonly string[] }): { accessToken: string; expiresIn: number } {
      const iat = Math.floor(options.clock().getTime() / 1000)
      const accessToken = jwt.sign(
        { sub: user.username, scope: user.scopes.join(' '), iat, exp: iat + options.ttlSec, jti: randomUUID() },
        key,
        { algorithm: 'HS256', issuer: options.issuer, audience: options.audience, header: { alg: 'HS256', typ: ACCESS_TOKEN_TYPE } },
      )
      return { accessToken, expiresIn: options.ttlSec }
    },
  }
}

/** Resolves a `kid` to a key; the kid is attacker input and is only ever looked up, never used. */
export type KeyResolver = (kid: string | undefined) => Promise<KeyObject | undefined>

export interface TokenVerifierOptions {
  readonly own?: { readonly secret: Buffer; readonly issuer: string; readonly audience: string }
  readonly external?: {
    readonly issuer: string
    readonly audience: string
    readonly algorithms: readonly ('RS256' | 'ES256')[]
    readonly resolveKey: KeyResolver
    readonly scopesClaim: string
  }
  readonly clockToleranceSec: number
  /** Longest accepted `exp - iat`. */
  readonly maxLifetimeSec: number
  readonly clock: Clock
}

export type TokenVerifier = ((token: string) => Promise<Principal>) & {
  /** A token already verified and not expired, without a promise; undefined otherwise. */
  readonly cached?: (token: string) => Principal | undefined
}

/**
 * Remembers tokens already verified, by their exact text, until their `exp`: a mobile app asks
 * again and again with the same token, and verifying costs more than the rest of the request.
 * Only a byte-identical token hits, so nothing can be forged through the cache.
 */
export function withVerifiedTokenCache(verify: TokenVerifier, clock: Clock, maxEntries = 10_000): TokenVerifier {
  const cache = new Map<string, { principal: Principal; expiresAtMs: number }>()
  const cached = (token: string): Principal | undefined => {
    const hit = cache.get(token)
    return hit && hit.expiresAtMs > clock().getTime() ? hit.principal : undefined
  }
  return Object.assign(async function verifyCachedToken(token: string): Promise<Principal> {
    const hit = cache.get(token)
    if (hit && hit.expiresAtMs > clock().getTime()) return hit.principal
    if (hit) cache.delete(token)
    const principal = await verify(token)
    const exp = (jwt.decode(token) as JwtPayload | null)?.exp
    if (typeof exp === 'number') {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string)
      cache.set(token, { principal, expiresAtMs: exp * 1000 })
    }
    return principal
  }, { cached })
}

/**
 * Verifies a bearer token. The issuer decides everything else: ossvend's own tokens are HS256
 * with `typ: at+jwt`; an external provider's are RS256/ES256 with a key found by `kid`. Each
 * issuer has a one-family algorithm allowlist, so an HS256 token signed with a public key is
 * refused. `iss`, `aud`, `exp` and `iat` are required. Failures are AuthInvalidError (or
 * AuthExpiredError) with generic messages; the specific reason is in `cause`, for logs only.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // A KeyObject built once: given a Buffer, jsonwebtoken tries (and fails) to parse it as a
  // public key on every call, which costs more than the whole rest of a request.
  const ownKey = options.own ? createSecretKey(options.own.secret) : undefined
  return async function verifyToken(token) {
    if (token.length > 8192 || token.split('.').length !== 3) throw new AuthInvalidError('invalid token')
    const decoded = jwt.decode(token, { complete: true })
    const payload = decoded?.payload
    if (!decoded || typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new AuthInvalidError('invalid token')
    const clockTimestamp = Math.floor(options.clock().getTime() / 1000)
    const common = { clockTolerance: options.clockToleranceSec, clockTimestamp, complete: false as const }

    let verified: JwtPayload
    let external = false
    try {
      if (options.own && payload.iss === options.own.issuer) {
        if (decoded.header.typ !== ACCESS_TOKEN_TYPE) throw new Error('typ is not at+jwt')
        verified = jwt.verify(token, ownKey as KeyObject, { ...common, algorithms: ['HS256'], issuer: options.own.issuer, audience: options.own.audience }) as JwtPayload
      } else if (options.external && payload.iss === options.external.issuer) {
        const key = await options.external.resolveKey(decoded.header.kid)
        if (!key) throw new Error('unknown kid')
        verified = jwt.verify(token, key, {
          ...common,
          algorithms: [...options.external.algorithms],
          issuer: options.external.issuer,
          audience: options.external.audience,
        }) as JwtPayload
        external = true
      } else {
        throw new Error('unknown issuer')
      }
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AuthExpiredError('token expired', { cause: err })
      if (err instanceof Error && err.name === 'IdpUnavailableError') throw err
      throw new AuthInvalidError('invalid token', { cause: err })
    }
    // jsonwebtoken checks exp only when present; a token without it would never expire.
    if (typeof verified.exp !== 'number' || typeof verified.iat !== 'number') throw new AuthInvalidError('invalid token', { cause: new Error('exp and iat are required') })
    if (verified.iat > clockTimestamp + options.clockToleranceSec) throw new AuthInvalidError('invalid token', { cause: new Error('iat in the future') })
    if (verified.exp - verified.iat > options.maxLifetimeSec) throw new AuthInvalidError('invalid token', { cause: new Error('lifetime too long') })
    if (typeof verified.sub !== 'string' || verified.sub === '') throw new AuthInvalidError('invalid token', { cause: new Error('no sub') })

    const claim = external ? verified[options.external?.scopesClaim ?? 'scope'] : verified.scope
    const scopes = Array.isArray(claim) ? claim.map(String) : typeof claim === 'string' ? claim.split(' ').filter(Boolean) : []
    return { userId: external ? externalUserId(verified.iss ?? '', verified.sub) : ownUserId(verified.sub), scopes }
  }
}

function ownUserId(sub: string): string {
  if (!USERNAME_PATTERN.test(sub)) throw new AuthInvalidError('invalid token', { cause: new Error('sub outside the user id charset') })
  return sub
}

/**
 * An external subject becomes a policy user id only if it already fits the strict charset;
 * otherwise (`auth0|123`, an email) it is mapped to an opaque, stable id, never escaped.
 */
export function externalUserId(issuer: string, sub: string): string {
  if (USERNAME_PATTERN.test(sub)) return sub
  const digest = createHash('sha256').update(`${issuer}\u0000${sub}`).digest('hex')
  return `x-${digest.slice(0, 40)}`
}
