import type { RequestHandler } from 'express'
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { RateLimitedError } from '../errors.js'
import { principalOf } from './auth-middleware.js'

/**
 * Authenticated requests per user per minute. The limiter is in memory for one process, or on
 * Redis with an in-memory insurance limiter: while Redis is away each instance limits alone, so
 * the limit loosens (by the number of instances) rather than refusing everyone.
 */
export function limitPerUser(limiter: RateLimiterAbstract): RequestHandler {
  return function limitPerUserMiddleware(_req, res, next): void {
    limiter.consume(principalOf(res).userId).then(
      () => next(),
      (rejection: unknown) => next(rejection instanceof RateLimiterRes ? new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))) : rejection),
    )
  }
}

export function memoryUserLimiter(perMinute: number): RateLimiterAbstract {
  return new RateLimiterMemory({ keyPrefix: 'user', points: perMinute, duration: 60 })
}
