import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { LoginThrottledError, StoreUnavailableError } from '../errors.js'
import { parseIpAddress } from '../policy/condition/ip.js'

export interface LoginThrottleOptions {
  readonly perUserFailures: number
  readonly perIpFailures: number
  readonly windowSec: number
}

/**
 * Counts failed logins per user and per IP; only failures count, and a success clears the user's.
 * When the counters' store fails, logins fail closed (ERR_STORE_UNAVAILABLE): guessing passwords
 * must never become unlimited because Redis is away.
 */
export interface LoginThrottle {
  /** @throws {LoginThrottledError} ERR_LOGIN_THROTTLED when either budget is spent. */
  check(username: string, ip: string): Promise<void>
  failed(username: string, ip: string): Promise<void>
  succeeded(username: string): Promise<void>
}

export function createLoginThrottle(
  options: LoginThrottleOptions,
  makeLimiter: (keyPrefix: string, points: number, duration: number) => RateLimiterAbstract = (keyPrefix, points, duration) =>
    new RateLimiterMemory({ keyPrefix, points, duration }),
): LoginThrottle {
  const perUser = makeLimiter('login-user', options.perUserFailures, options.windowSec)
  const perIp = makeLimiter('login-ip', options.perIpFailures, options.windowSec)

  const blocked = async (limiter: RateLimiterAbstract, key: string, points: number): Promise<number> => {
    const res = await limiter.get(key).catch(storeFailed)
    return res && res.consumedPoints >= points ? Math.ceil(res.msBeforeNext / 1000) : 0
  }

  return {
    async check(username, ip) {
      const wait = Math.max(await blocked(perUser, username, options.perUserFailures), await blocked(perIp, ipKey(ip), options.perIpFailures))
      if (wait > 0) throw new LoginThrottledError(wait)
    },
    async failed(username, ip) {
      await Promise.all([perUser.consume(username), perIp.consume(ipKey(ip))].map((p) => p.catch((e: unknown) => {
        if (e instanceof RateLimiterRes) return e
        return storeFailed(e)
      })))
    },
    async succeeded(username) {
      await perUser.delete(username).catch(storeFailed)
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
