import type { Logger } from 'pino'
import type { Config } from '../config/types.js'
import { createMemoryState } from './memory-state.js'
import { createRedisState } from './redis-state.js'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import type { UploadLog } from '../grant/uploads.js'
import type { AuditEvent } from '../store/redis-audit.js'
import type { SharedCredentialLayer } from '../store/shared-credentials.js'
import type { RefreshTokenStore } from '../auth/refresh-tokens.js'
import type { RevocationList } from '../auth/revocations.js'
import type { ProviderTokenStore } from '../auth/provider-token.js'

/** Makes one rate limiter (login throttling) in whatever store holds shared state. */
export type LimiterFactory = (keyPrefix: string, points: number, duration: number) => RateLimiterAbstract

/**
 * Where state that several instances must agree on lives: this process, or Redis. Each
 * implementation is one file (`memory-state.ts`, `redis-state.ts`); `createStateStore` picks one.
 */
export interface StateStore {
  readonly kind: 'memory' | 'redis'
  /** For /readyz: where shared state lives, and whether it answers now. */
  health(): 'memory' | 'redis' | 'redis-down'
  /** Login throttle counters; undefined keeps the throttle's own in-memory default. */
  readonly loginLimiter: LimiterFactory | undefined
  /** Authenticated requests per user per minute. */
  readonly userLimiter: RateLimiterAbstract
  readonly uploads: UploadLog
  readonly audit: (event: AuditEvent) => void
  /** Refresh token families and revocations (sign-out), shared between instances on Redis. */
  readonly refreshTokens: RefreshTokenStore
  readonly revocations: RevocationList
  /** The login limiter's store, or this process's. */
  readonly limiter: LimiterFactory
  /** The second credential cache layer shared between instances; none in memory. */
  readonly sharedCredentials: SharedCredentialLayer | undefined
  /** Provider-URL tokens, so every instance honours a token and its revocation. */
  readonly providerTokens: ProviderTokenStore
  close(): Promise<void>
}

export interface StateStoreOptions {
  readonly config: Config
  readonly logger: Logger
  readonly secret: Buffer
  readonly now: () => number
}

/** Redis when `store.redisUrl` (or REDIS_URL) is set, this process otherwise: chosen here only. */
export async function createStateStore(options: StateStoreOptions): Promise<StateStore> {
  const { redisUrl } = options.config.store
  if (redisUrl) return createRedisState({ ...options, redisUrl })
  return createMemoryState({ userRequestsPerMinute: options.config.server.userRequestsPerMinute, now: options.now, dataDir: options.config.store.dataDir })
}
