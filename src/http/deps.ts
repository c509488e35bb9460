import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import type { AuditEvent } from '../store/redis-audit.js'
import type { Logger } from 'pino'
import type { LoginThrottle } from '../auth/login-throttle.js'
import type { TokenVerifier } from '../auth/tokens.js'
import type { GuestIssuer } from '../auth/guest.js'
import type { ExternalProvider } from '../auth/provider.js'
import type { Sessions } from '../auth/sessions.js'
import type { ProviderTokens } from '../auth/provider-token.js'
import type { UserStore } from '../auth/user-store.js'
import type { Config } from '../config/types.js'
import type { Scopes } from '../grant/scopes.js'
import type { CredentialVendor } from '../grant/vend.js'
import type { Clock } from '../lib/clock.js'
import type { Policy } from '../policy/types.js'
import type { Metrics } from './metrics.js'
import type { UploadLog } from '../grant/uploads.js'
import type { OssEndpoint } from '../oss/endpoint.js'
import type { PublicKeyUrlRules } from '../oss/callback.js'
import type { HeadObject } from '../compose/object-head.js'

/** What the server knows about its own health, for /readyz. */
export interface HealthState {
  draining: boolean
  /** Set when STS refused the server's own credentials (NoPermission, bad AccessKey). */
  stsForbidden: string | undefined
  /** True while the STS circuit breaker is not closed. */
  stsCircuitOpen(): boolean
  /** Credentials cached, so clients can still be served while STS is down. */
  cachedCredentials(): number
  /** Where shared state lives: this process, Redis, or Redis that is not answering now. */
  store(): 'memory' | 'redis' | 'redis-down'
}

export interface AppDeps {
  readonly config: Config
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: Clock
  readonly users: UserStore
  readonly throttle: LoginThrottle
  /** Authenticated requests per user per minute (shared through Redis when configured). */
  readonly userLimiter: RateLimiterAbstract
  /** Issues ossvend's own access tokens; absent when only an external identity provider is used. */
  readonly issueToken?: (user: { username: string; scopes: readonly string[] }) => { accessToken: string; expiresIn: number }
  readonly verifyToken: TokenVerifier
  /** Verifies identity provider tokens only (exchange); absent in hand-built deps. */
  readonly verifyExternalToken?: TokenVerifier
  /** Refresh token sessions and sign-out; absent in hand-built deps. */
  readonly sessions?: Sessions
  /** `POST /v1/guest`; absent unless `auth.guest.enabled`. */
  readonly issueGuestToken?: GuestIssuer
  readonly identityProviders?: readonly ExternalProvider[]
  readonly verifyPassword: (password: string, hash: string) => Promise<boolean>
  /** Hash compared for unknown users, so their logins take as long as real ones. */
  readonly dummyPasswordHash: string
  readonly vendor: CredentialVendor
  /** Narrow tokens for credential-provider URLs (GET /v1/sts only, one scope). */
  readonly providerTokens: ProviderTokens
  readonly scopes: Scopes
  readonly rolePolicies: readonly Policy[]
  readonly health: HealthState
  /** The OSS endpoint clients should use (the sandbox's in sandbox mode). */
  readonly ossEndpoint: string
  /** How signed URLs and forms address the bucket. */
  readonly ossSigningEndpoint: OssEndpoint
  /** This server's public base URL (for OSS callbacks), known once it listens. */
  readonly publicUrl: () => string
  readonly uploads: UploadLog
  /** Audit events shared by every instance (a Redis stream); nothing without Redis, where the log is the record. */
  readonly audit: (event: AuditEvent) => void
  /** Signs the upload tickets carried in callbacks. */
  readonly ticketSecret: Buffer
  readonly fetchCallbackKey: (url: URL) => Promise<string | undefined>
  readonly callbackKeyRules: PublicKeyUrlRules
  /**
   * HeadObject with the server's own credentials, to confirm an upload callback against the object
   * itself; absent when the server has no OSS to ask (callbacks are then refused with 503).
   */
  readonly headObject?: HeadObject
}
