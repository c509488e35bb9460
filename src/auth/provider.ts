import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { jwtVerify, type JWTPayload } from 'jose'
import type { IdentityProviderConfig } from '../config/types.js'
import { AuthExpiredError, AuthInvalidError, IdpUnavailableError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { ProviderFetchError, type BoundedFetchOptions } from './bounded-fetch.js'
import { createRemoteKeySet, createStaticKeyResolver, KeyUnknownError, type KeyResolver, type RemoteKeySet } from './key-resolver.js'
import { discoverProvider } from './oidc-discovery.js'
import type { AuthenticatedPrincipal } from './principal.js'
import { namespacedUserId, SUBJECT } from './user-id.js'

/** What `providers check` reports for one provider. */
export interface ProviderReport {
  readonly name: string
  readonly issuer: string
  readonly jwksUrl?: string
  readonly discovered: boolean
  readonly keys: number
  readonly kids: readonly string[]
  readonly maxAgeSec?: number
}

/** An external identity provider: verifies its own tokens, and only those (routing is by `iss`). */
export interface ExternalProvider {
  readonly name: string
  readonly issuer: string
  verify(token: string): Promise<AuthenticatedPrincipal>
  check(): Promise<ProviderReport>
}

export interface ProviderOptions {
  readonly clock: Clock
  readonly clockToleranceSec: number
  /** Longest accepted `exp - iat`. */
  readonly maxLifetimeSec: number
  readonly onBackgroundError?: (provider: string, err: unknown) => void
}

/** A refusal whose stable reason is logged (as the cause's message), never sent. */
export function invalidToken(reason: string, cause?: unknown): AuthInvalidError {
  return new AuthInvalidError('invalid token', { cause: new Error(reason, cause === undefined ? undefined : { cause }) })
}

/**
 * Builds a provider from its settings. PEM files and the CA file are read now (a missing one is a
 * start-up error); remote keys and the discovery document are fetched on first use.
 */
export async function createProvider(config: IdentityProviderConfig, options: ProviderOptions): Promise<ExternalProvider> {
  const fetchOptions: BoundedFetchOptions = {
    timeoutMs: config.jwksTimeoutMs,
    maxBytes: config.jwksMaxBytes,
    allowHttpLoopback: config.allowInsecureLoopback,
    ...(config.caFile ? { ca: await readFile(config.caFile, 'utf8') } : {}),
  }
  const now = () => options.clock().getTime()
  const remote = (url: URL): RemoteKeySet =>
    createRemoteKeySet(url, {
      ...fetchOptions,
      maxAgeSec: config.jwksMaxAgeSec,
      cooldownSec: config.jwksCooldownSec,
      maxKeys: config.jwksMaxKeys,
      now,
      onBackgroundError: (err) => options.onBackgroundError?.(config.name, err),
    })
  let staticKeys: KeyResolver | undefined
  let keySet: RemoteKeySet | undefined
  let discovering: Promise<RemoteKeySet> | undefined
  if (config.publicKeys) staticKeys = await createStaticKeyResolver(config.publicKeys)
  else if (config.jwksUrl) keySet = remote(new URL(config.jwksUrl))

  /** The key set, discovering its URL first when needed; a failed discovery is not kept. */
  async function remoteKeys(): Promise<RemoteKeySet> {
    if (keySet) return keySet
    discovering ??= discoverProvider(config.issuer, fetchOptions).then(
      (found) => (keySet = remote(found.jwksUri)),
      (err: unknown) => {
        discovering = undefined
        throw err
      },
    )
    return discovering
  }

  const resolveKey: KeyResolver = staticKeys ?? (async (header, token) => (await remoteKeys()).resolve(header, token))

  return {
    name: config.name,
    issuer: config.issuer,
    async verify(token) {
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(token, resolveKey, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...config.algorithms],
          clockTolerance: options.clockToleranceSec,
          currentDate: options.clock(),
          requiredClaims: ['exp', 'iat'],
        }))
      } catch (err) {
        throw verificationError(err)
      }
      const exp = payload.exp as number
      const iat = payload.iat as number
      if (exp - iat > options.maxLifetimeSec) throw invalidToken('lifetime')
      for (const [claim, value] of Object.entries(config.requiredClaims)) {
        if (payload[claim] !== value) throw invalidToken('claim-required')
      }
      const subject = payload[config.userClaim]
      if (typeof subject !== 'string' || subject === '') throw invalidToken('claim-missing')
      if (!SUBJECT.test(subject)) throw invalidToken('claim-charset')
      return {
        userId: namespacedUserId(config.name, subject),
        provider: config.name,
        scopes: scopesOf(config, payload),
        exp,
        // A key withdrawn by the provider must stop working within the key set's maximum age.
        reverifyAtMs: options.clock().getTime() + Math.min(config.jwksMaxAgeSec, 60) * 1000,
        // What signing out with this token revokes (its hash: the text is the token).
        tokenId: `tok:${createHash('sha256').update(token).digest('base64url')}`,
        // For path rules naming {claims.NAME} (grant/caller-claims.ts); verified data, read by name only.
        claims: payload,
      }
    },
    async check() {
      if (staticKeys) return { name: config.name, issuer: config.issuer, discovered: false, keys: Object.keys(config.publicKeys ?? {}).length, kids: Object.keys(config.publicKeys ?? {}) }
      const discovered = !config.jwksUrl
      const set = await remoteKeys()
      const found = await set.reload()
      return { name: config.name, issuer: config.issuer, discovered, jwksUrl: set.url.href, ...found }
    },
  }
}

function verificationError(err: unknown): Error {
  if (err instanceof KeyUnknownError) return invalidToken('kid-unknown')
  // Every key set (or discovery) failure alike: a stable code, and the reason in the log.
  if (err instanceof ProviderFetchError) return new IdpUnavailableError('identity provider keys unavailable', { cause: new Error(`key-set-${err.reason}`, { cause: err }) })
  const code = (err as { code?: string } | undefined)?.code
  if (code === 'ERR_JWT_EXPIRED') return new AuthExpiredError('token expired', { cause: err })
  if (code === 'ERR_JWKS_TIMEOUT') return new IdpUnavailableError('identity provider keys unavailable', { cause: err })
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return invalidToken(`claim-${(err as { claim?: string }).claim ?? 'invalid'}`, err)
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return invalidToken('signature', err)
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return invalidToken('algorithm', err)
  return invalidToken(code ? code.toLowerCase() : 'malformed', err)
}

/** Scopes named by the token itself, mapped from a claim's values, and the provider's defaults. */
function scopesOf(config: IdentityProviderConfig, payload: JWTPayload): string[] {
  const scopes = new Set(config.defaultScopes)
  const listed = (claim: string): string[] => {
    const value = payload[claim]
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
    return typeof value === 'string' ? value.split(' ').filter(Boolean) : []
  }
  if (config.scopesClaim) for (const s of listed(config.scopesClaim)) scopes.add(s)
  if (config.claimScopes) {
    for (const value of listed(config.claimScopes.claim)) {
      if (Object.hasOwn(config.claimScopes.values, value)) for (const s of config.claimScopes.values[value] ?? []) scopes.add(s)
    }
  }
  return [...scopes]
}
