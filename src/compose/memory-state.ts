import { RateLimiterMemory } from 'rate-limiter-flexible'
import { createMemoryRefreshTokenStore } from '../auth/refresh-tokens.js'
import { createMemoryRevocationList } from '../auth/revocations.js'
import { join } from 'node:path'
import { createMemoryUploadLog } from '../grant/uploads.js'
import { memoryUserLimiter } from '../http/user-rate-limit.js'
import { memoryProviderTokenStore } from '../auth/provider-token.js'
import type { StateStore } from './state-store.js'

/** Everything in this process: the default for one instance. */
export function createMemoryState(options: { userRequestsPerMinute: number; now: () => number; dataDir: string }): StateStore {
  return {
    kind: 'memory',
    health: () => 'memory',
    loginLimiter: undefined,
    userLimiter: memoryUserLimiter(options.userRequestsPerMinute),
    // Used callback tickets outlive a restart, as the tickets do.
    uploads: createMemoryUploadLog(options.now, { claimsFile: join(options.dataDir, 'callback-claims.log') }),
    audit: () => undefined,
    sharedCredentials: undefined,
    refreshTokens: createMemoryRefreshTokenStore(options.now),
    revocations: createMemoryRevocationList(options.now),
    limiter: (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration }),
    providerTokens: memoryProviderTokenStore(options.now),
    close: async () => undefined,
  }
}
