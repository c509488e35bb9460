import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { LoginThrottledError, StoreUnavailableError } from '../errors.js'
import { parseIpAddress } from '../policy/condition/ip.js'

export interface LoginThrottleOptions {
  readonly perUserFailures: number
  readonly perIpFailures: number
  readonly windowSec: number
}

/**
 * Budgets login attempts per user and per IP. An attempt is reserved (atomically, in the counters'
 * store) before its password is hashed, so simultaneous attempts cannot all pass a check made
 * before any of them was counted; a failure keeps its reservation, a success clears the user's
 * failures and gives the IP its attempt back. When the counters' store fails, logins fail closed
 * (ERR_STORE_UNAVAILABLE): guessing passwords must never become unlimited because Redis is away.
 */
export interface LoginThrottle {
  /** @throws {LoginThrottledError} ERR_LOGIN_THROTTLED when either budget is spent. */
  reserve(username: string, ip: string): Promise<void>
  succeeded(username: string, ip: string): Promise<void>
}

export function createLoginThrottle(
  options: LoginThrottleOptions,
  makeLimiter: (keyPrefix: string, points: number, duration: number) => RateLimiterAbstract = (keyPrefix, points, duration) =>
    new RateLimiterMemory({ keyPrefix, points, duration }),
): LoginThrottle {
  const perUser = makeLimiter('login-user', options.perUserFailures, options.windowSec)
  const perIp = makeLimiter('login-ip', options.perIpFailures, options.windowSec)

  /** Takes one point; the seconds to wait when the budget was already spent, else 0. */
  const take = async (limiter: RateLimiterAbstract, key: string): Promise<number> => {
    try {
      await limiter.consume(key)
      return 0
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000))
      return storeFailed(err)
    }
  }

  return {
    async reserve(username, ip) {
      const [userWait, ipWait] = await Promise.all([take(perUser, username), take(perIp, ipKey(ip))])
      if (userWait > 0 || ipWait > 0) throw new LoginThrottledError(Math.max(userWait, ipWait))
    },
    async succeeded(username, ip) {
      await Promise.all([perUser.delete(username), perIp.reward(ipKey(ip))]).catch(storeFailed)
    },
  }
}

function storeFailed(err: unknown): never {
  throw new StoreUnavailableError('the login counters are unavailable', { cause: err })
}

/** IPv6 clients are counted per /64, since one host usually holds the whole /64. */
function ipKey(ip: string): string {
  const address = parseIpAddress(ip)
  if (!address) return ip
  if (address.version === 4) return `v4:${address.bits.toString(16)}`
  return `v6:${(address.bits >> 64n).toString(16)}/64`
}
