import { createHash } from 'node:crypto'
import { StoreUnavailableError } from '../errors.js'
import type { UploadLog, UploadRecord } from '../grant/uploads.js'
import { AUDIT_MAX_LENGTH, auditStreamKey } from './redis-audit.js'
import type { RedisConnection } from './redis-connection.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

export interface RedisUploadLogOptions {
  readonly redis: RedisConnection
  readonly keyPrefix: string
  readonly now: () => number
  readonly maxPerUser?: number
  /** The audit stream keeps about this many entries (MAXLEN ~). */
  readonly auditMaxLength?: number
}

/**
 * The upload log shared by every instance: ticket ids claimed with SET NX (so a replayed callback
 * is refused whichever instance it reaches), each user's uploads in a capped list, and every
 * upload appended to an audit stream of bounded length.
 * It fails closed: without Redis a replay cannot be ruled out, so callbacks are refused (503).
 */
export function createRedisUploadLog(options: RedisUploadLogOptions): UploadLog {
  const { redis, keyPrefix, now } = options
  const maxPerUser = options.maxPerUser ?? 1000
  const auditMaxLength = options.auditMaxLength ?? AUDIT_MAX_LENGTH
  const userKey = (user: string) => `${keyPrefix}uploads:${user}`

  async function guarded<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what()
    } catch (err) {
      throw new StoreUnavailableError('the shared store is unavailable', { cause: err })
    }
  }

  return {
    claimTicket(id, expiresAtMs) {
      return guarded(async () => {
        const ttl = Math.max(1000, expiresAtMs - now())
        const name = `${keyPrefix}ticket:${createHash('sha256').update(id).digest('base64url')}`
        return (await redis.client.set(name, '1', 'PX', ttl, 'NX')) === 'OK'
      })
    },
    record(user, upload) {
      return guarded(async () => {
        const results = await redis.client
          .multi()
          .lpush(userKey(user), JSON.stringify(upload))
          .ltrim(userKey(user), 0, maxPerUser - 1)
          .xadd(auditStreamKey(keyPrefix), 'MAXLEN', '~', auditMaxLength, '*', 'event', 'upload', 'user', user, 'key', upload.key, 'size', String(upload.size), 'etag', upload.etag)
          .exec()
        const failed = results?.find(([err]) => err)
        if (!results || failed) throw failed?.[0] ?? new Error('transaction aborted')
      })
    },
    list(user) {
      return guarded(async () => (await redis.client.lrange(userKey(user), 0, -1)).map((line) => parseJsonOrThrow(line) as UploadRecord))
    },
  }
}
