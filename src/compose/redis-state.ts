import type { Logger } from 'pino'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import type { Config } from '../config/types.js'
import { memoryUserLimiter } from '../http/user-rate-limit.js'
import { createRedisAuditStream } from '../store/redis-audit.js'
import { connectRedis } from '../store/redis-connection.js'
import { createRedisUploadLog } from '../store/redis-upload-log.js'
import { createRedisRefreshTokenStore } from '../store/redis-refresh-tokens.js'
import { createRedisRevocationList } from '../store/redis-revocations.js'
import { createSharedCredentialLayer } from '../store/shared-credentials.js'
import { redisProviderTokenStore } from '../auth/provider-token.js'
import type { StateStore } from './state-store.js'

export interface RedisStateOptions {
  readonly redisUrl: string
  readonly config: Config
  readonly logger: Logger
  /** The instances' common secret (OSSVEND_JWT_SECRET); shared credentials are sealed with it. */
  readonly secret: Buffer
  readonly now: () => number
}

/** State shared by several instances through Redis; see the README's table for what degrades how. */
export async function createRedisState(options: RedisStateOptions): Promise<StateStore> {
  const { config, logger, now } = options
  const redis = await connectRedis(options.redisUrl, logger)
  const keyPrefix = config.store.keyPrefix
  const revocations = await createRedisRevocationList({ redis, keyPrefix, now })
  const limiter = (prefix: string, points: number, duration: number) =>
    new RateLimiterRedis({ storeClient: redis.client, keyPrefix: `${keyPrefix}${prefix}`, points, duration, rejectIfRedisNotReady: true })
  return {
    kind: 'redis',
    health: () => (redis.isUp() ? 'redis' : 'redis-down'),
    loginLimiter: limiter,
    limiter,
    refreshTokens: createRedisRefreshTokenStore({ redis, keyPrefix }),
    revocations,
    userLimiter: new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${keyPrefix}user`,
      points: config.server.userRequestsPerMinute,
      duration: 60,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memoryUserLimiter(config.server.userRequestsPerMinute),
    }),
    uploads: createRedisUploadLog({ redis, keyPrefix, now }),
    audit: createRedisAuditStream({ redis, keyPrefix }),
    sharedCredentials: createSharedCredentialLayer({
      redis,
      keyPrefix,
      secret: options.secret,
      now,
      refreshRatio: config.sts.refreshRatio,
      minServeRatio: config.sts.minServeRatio,
      lockMs: config.sts.deadlineMs + 2000,
      // As long as a lock can be held (the holder's STS call with its retries, and some slack).
      waitMs: config.sts.deadlineMs + 2000,
      onStoreError: (err) => logger.warn({ err: { message: (err as Error).message } }, 'shared credential cache unavailable; calling STS directly'),
    }),
    close: async () => {
      await revocations.close()
      await redis.close()
    },
    providerTokens: redisProviderTokenStore(redis, keyPrefix),
  }
}
