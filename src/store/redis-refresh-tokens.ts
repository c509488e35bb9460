import { StoreUnavailableError } from '../errors.js'
import { carriedClaims } from '../grant/caller-claims.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'
import type { RefreshFamily, RefreshTokenStore, RotateResult } from '../auth/refresh-tokens.js'
import type { RedisConnection } from './redis-connection.js'

// One script, so two instances refreshing the same token cannot both win.
const ROTATE = `
local f = redis.call('HMGET', KEYS[1], 'hash', 'revoked', 'user', 'provider', 'scopes', 'exp', 'claims')
if not f[1] or f[2] == '1' then return {'unknown'} end
if f[1] ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return {'reused'}
end
redis.call('HSET', KEYS[1], 'hash', ARGV[2])
return {'rotated', f[3], f[4], f[5], f[6], f[7]}
`
const REVOKE = `
local f = redis.call('HMGET', KEYS[1], 'revoked', 'user', 'provider', 'scopes', 'exp', 'claims')
if not f[2] or f[1] == '1' then return {} end
redis.call('HSET', KEYS[1], 'revoked', '1')
return {f[2], f[3], f[4], f[5], f[6]}
`

/** Refresh token families in Redis, shared by every instance; each key expires with its family. */
export function createRedisRefreshTokenStore(options: { redis: RedisConnection; keyPrefix: string }): RefreshTokenStore {
  const { redis, keyPrefix } = options
  const key = (id: string) => `${keyPrefix}refresh:${id}`
  const family = (f: (string | null)[]): RefreshFamily => {
    // A family written before claims were kept has no `claims` field: it refreshes without any.
    const claims = typeof f[4] === 'string' ? carriedClaims(parseJsonOrThrow(f[4])) : undefined
    return {
      userId: f[0] as string,
      provider: f[1] as string,
      scopes: parseJsonOrThrow(f[2] as string) as string[],
      expiresAtMs: Number(f[3]),
      ...(claims ? { claims } : {}),
    }
  }
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      throw new StoreUnavailableError('shared store unavailable (sessions)', { cause: err })
    }
  }
  return {
    async create(familyId, f, secretHash) {
      await call(() =>
        redis.client
          .multi()
          .hset(key(familyId), {
            hash: secretHash,
            revoked: '0',
            user: f.userId,
            provider: f.provider,
            scopes: JSON.stringify(f.scopes),
            exp: String(f.expiresAtMs),
            ...(f.claims ? { claims: JSON.stringify(f.claims) } : {}),
          })
          .pexpireat(key(familyId), f.expiresAtMs)
          .exec(),
      )
    },
    async rotate(familyId, presentedHash, nextHash): Promise<RotateResult> {
      const result = (await call(() => redis.client.eval(ROTATE, 1, key(familyId), presentedHash, nextHash))) as (string | null)[]
      if (result[0] === 'rotated') return { outcome: 'rotated', family: family(result.slice(1)) }
      return { outcome: result[0] === 'reused' ? 'reused' : 'unknown' }
    },
    async revoke(familyId) {
      const result = (await call(() => redis.client.eval(REVOKE, 1, key(familyId)))) as (string | null)[]
      return result.length > 0 ? family(result) : undefined
    },
  }
}
