import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { RateLimitedError, StoreUnavailableError } from '../errors.js'
import { randomHex } from '../lib/crypto.js'
import type { TokenIssuer } from './tokens.js'
import { GUEST_PROVIDER, namespacedUserId } from './user-id.js'

export interface GuestOptions {
  readonly issuer: TokenIssuer
  /** The one scope guests get. */
  readonly scope: string
  readonly ttlSec: number
  /** Keyed by client address. */
  readonly perIp: RateLimiterAbstract
  /** One key for everyone: guests per minute across the service. */
  readonly total: RateLimiterAbstract
}

export type GuestIssuer = (ip: string) => Promise<{ accessToken: string; tokenType: 'Bearer'; expiresIn: number; userId: string }>

/** Guest access: a fresh random guest id with the guest scope only, limited per address and in all. */
export function createGuestIssuer(options: GuestOptions): GuestIssuer {
  return async (ip) => {
    try {
      await options.perIp.consume(ip)
      await options.total.consume('all')
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)))
      // The limiter's store (Redis) not answering: no guest is issued without its limit.
      throw new StoreUnavailableError('the guest limiter is not available', { cause: rejection })
    }
    const userId = namespacedUserId(GUEST_PROVIDER, randomHex(16))
    const { accessToken, expiresIn } = options.issuer.issue({ userId, provider: GUEST_PROVIDER, scopes: [options.scope] }, options.ttlSec)
    return { accessToken, tokenType: 'Bearer', expiresIn, userId }
  }
}
