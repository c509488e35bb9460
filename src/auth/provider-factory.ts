import type { Logger } from 'pino'
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Config } from '../config/types.js'
import { ConfigInvalidError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { createGuestIssuer, type GuestIssuer } from './guest.js'
import type { ProviderTokenStore } from './provider-token.js'
import { createProvider, type ExternalProvider, type ProviderOptions } from './provider.js'
import { createMemoryRefreshTokenStore, type RefreshTokenStore } from './refresh-tokens.js'
import { createMemoryRevocationList, type RevocationList } from './revocations.js'
import { createSessions, type Sessions } from './sessions.js'
import { createTokenIssuer, createTokenVerifier, withVerifiedTokenCache, type TokenVerifier } from './tokens.js'
import { LOCAL_PROVIDER } from './user-id.js'
import type { UserStore } from './user-store.js'

/** Builds each configured identity provider; a file it needs that cannot be read is a start-up error. */
export async function createProviders(config: Config, options: ProviderOptions): Promise<ExternalProvider[]> {
  const providers: ExternalProvider[] = []
  for (const [i, provider] of config.auth.providers.entries()) {
    try {
      providers.push(await createProvider(provider, options))
    } catch (err) {
      const pointer = config.auth.external && i === 0 ? '/auth/external' : `/auth/providers/${config.auth.external ? i - 1 : i}`
      throw new ConfigInvalidError(config.source, [{ pointer, code: 'config.idp-keys', message: `provider "${provider.name}": ${(err as Error).message}` }])
    }
  }
  return providers
}

export interface Authentication {
  readonly providers: readonly ExternalProvider[]
  readonly verifyToken: TokenVerifier
  /** Only the external providers' tokens (for `POST /v1/token/exchange`). */
  readonly verifyExternalToken: TokenVerifier
  /** ossvend's own access token for a built-in user, without a session (kept for library users). */
  readonly issueToken: (user: { username: string; scopes: readonly string[] }) => { accessToken: string; expiresIn: number }
  readonly sessions: Sessions
  readonly guest?: GuestIssuer
}

export interface AuthenticationOptions {
  readonly config: Config
  readonly secret: Buffer
  readonly clock: Clock
  readonly logger: Logger
  readonly users: UserStore
  /** Where sessions and revocations live (Redis for several instances); in memory when absent. */
  readonly refreshTokens?: RefreshTokenStore
  readonly revocations?: RevocationList
  /** Rate limiters in the shared store (guests); in memory when absent. */
  readonly limiter?: (keyPrefix: string, points: number, durationSec: number) => RateLimiterAbstract
  /** Provider-URL tokens, ended with the session (or token) they were issued with. */
  readonly providerTokens?: Pick<ProviderTokenStore, 'deleteIssuedWith'>
}

/** Everything that says who a caller is: providers, ossvend's tokens, sessions, revocation, guests. */
export async function createAuthentication(options: AuthenticationOptions): Promise<Authentication> {
  const { config, secret, clock, logger } = options
  const auth = config.auth
  const now = () => clock().getTime()
  const maxLifetimeSec = Math.max(auth.accessTokenTtlSec, 86400)
  const providers = await createProviders(config, {
    clock,
    clockToleranceSec: auth.clockToleranceSec,
    maxLifetimeSec,
    onBackgroundError: (provider, err) => logger.warn({ provider, reason: (err as { reason?: string }).reason ?? 'unreachable' }, 'identity provider key set refresh failed; keys kept until their maximum age'),
  })
  const issuer = createTokenIssuer({ secret, issuer: auth.issuer, audience: auth.audience, ttlSec: auth.accessTokenTtlSec, clock })
  const revocations: RevocationList = options.revocations ?? createMemoryRevocationList(now)
  const sessions = createSessions({
    issuer,
    store: options.refreshTokens ?? createMemoryRefreshTokenStore(now),
    revocations,
    clock,
    refreshTtlSec: auth.refreshTokenTtlSec,
    accessTtlSec: auth.accessTokenTtlSec,
    clockToleranceSec: auth.clockToleranceSec,
    currentScopes: (family) => (family.provider === LOCAL_PROVIDER ? options.users.find(family.userId)?.scopes : family.scopes),
    ...(options.providerTokens ? { onEnded: (keys: readonly string[]) => (options.providerTokens as NonNullable<AuthenticationOptions['providerTokens']>).deleteIssuedWith(keys) } : {}),
  })
  const verifyToken = withVerifiedTokenCache(
    createTokenVerifier({
      own: { secret, issuer: auth.issuer, audience: auth.audience },
      providers,
      isRevoked: (principal) => sessions.isRevoked(principal),
      clockToleranceSec: auth.clockToleranceSec,
      maxLifetimeSec,
      clock,
    }),
    clock,
    10_000,
    (principal) => sessions.isRevokedLocally(principal),
  )
  const limiter = (keyPrefix: string, points: number) =>
    options.limiter ? options.limiter(keyPrefix, points, 60) : new RateLimiterMemory({ keyPrefix, points, duration: 60 })
  const guest = auth.guest.enabled && auth.guest.scope
    ? createGuestIssuer({ issuer, scope: auth.guest.scope, ttlSec: auth.guest.ttlSec, perIp: limiter('guest-ip', auth.guest.perIpPerMinute), total: limiter('guest-all', auth.guest.perMinute) })
    : undefined
  return {
    providers,
    verifyToken,
    verifyExternalToken: createTokenVerifier({ providers, isRevoked: (principal) => sessions.isRevoked(principal), clockToleranceSec: auth.clockToleranceSec, maxLifetimeSec, clock }),
    issueToken: (user) => issuer.issue({ userId: user.username, provider: LOCAL_PROVIDER, scopes: user.scopes }),
    sessions,
    ...(guest ? { guest } : {}),
  }
}
