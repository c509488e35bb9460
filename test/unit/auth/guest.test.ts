import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { describe, expect, it } from 'vitest'
import { createGuestIssuer } from '../../../src/auth/guest.js'
import { createTokenIssuer } from '../../../src/auth/tokens.js'

const issuer = createTokenIssuer({ secret: Buffer.alloc(32, 3), issuer: 'ossvend', audience: 'ossvend-api', ttlSec: 900, clock: () => new Date() })
const unlimited = () => new RateLimiterMemory({ points: 1000, duration: 60 })

describe('guest tokens', () => {
  it('refuses a guest past the per-address limit with ERR_RATE_LIMITED and a Retry-After', async () => {
    const issue = createGuestIssuer({ issuer, scope: 'read', ttlSec: 300, perIp: new RateLimiterMemory({ points: 1, duration: 60 }), total: unlimited() })
    await issue('192.0.2.1')
    await expect(issue('192.0.2.1')).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED', retryAfterSec: expect.any(Number) })
    await expect(issue('192.0.2.2')).resolves.toMatchObject({ tokenType: 'Bearer', expiresIn: 300 })
  })

  it('issues no guest while its limiter\'s store does not answer: ERR_STORE_UNAVAILABLE (503), not an internal error', async () => {
    const down = { consume: () => Promise.reject(new Error('Redis is not ready')) } as unknown as RateLimiterAbstract
    const issue = createGuestIssuer({ issuer, scope: 'read', ttlSec: 300, perIp: down, total: unlimited() })
    await expect(issue('192.0.2.1')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
  })
})
