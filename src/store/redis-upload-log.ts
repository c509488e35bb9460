import { createHash } from 'node:crypto'
import { StoreUnavailableError } from '../errors.js'
import { boundedRecord, type UploadLog, type UploadRecord } from '../grant/uploads.js'
import { AUDIT_MAX_LENGTH, auditStreamKey } from './redis-audit.js'
import type { RedisConnection } from './redis-connection.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

export interface RedisUploadLogOptions {
  readonly redis: RedisConnection
  readonly keyPrefix: string
  readonly now: () => number
  readonly maxPerUser?: number
  /** Bytes of records kept per user (each record is at most UPLOAD_RECORD_MAX_BYTES). */
  readonly maxBytesPerUser?: number
  /** The audit stream keeps about this many entries (MAXLEN ~). */
  readonly auditMaxLength?: number
}

/**
 * The upload log shared by every instance: ticket ids claimed with SET NX (so a replayed callback
 * is refused whichever instance it reaches), each user's uploads in a list capped by count and by
 * bytes (a counter beside it, kept by one script), and every upload appended to an audit stream
 * of bounded length.
 * It fails closed: without Redis a replay cannot be ruled out, so callbacks are refused (503).
 */
export function createRedisUploadLog(options: RedisUploadLogOptions): UploadLog {
  const { redis, keyPrefix, now } = options
  const maxPerUser = options.maxPerUser ?? 1000
  const auditMaxLength = options.auditMaxLength ?? AUDIT_MAX_LENGTH
  const maxBytesPerUser = options.maxBytesPerUser ?? 1024 * 1024
  const userKey = (user: string) => `${keyPrefix}uploads:${user}`
  const bytesKey = (user: string) => `${keyPrefix}uploads-bytes:${user}`

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
        const record = boundedRecord(upload)
        const results = await redis.client
          .multi()
          .eval(PUSH_BOUNDED, 2, userKey(user), bytesKey(user), JSON.stringify(record), maxPerUser, maxBytesPerUser)
          .xadd(auditStreamKey(keyPrefix), 'MAXLEN', '~', auditMaxLength, '*', 'event', 'upload', 'user', user, 'key', record.key, 'size', String(record.size), 'etag', record.etag)
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

/** Pushes a record, then drops the oldest while the list is over its count or byte budget. */
const PUSH_BOUNDED = `
redis.call('LPUSH', KEYS[1], ARGV[1])
local bytes = redis.call('INCRBY', KEYS[2], string.len(ARGV[1]))
local count = redis.call('LLEN', KEYS[1])
while count > tonumber(ARGV[2]) or bytes > tonumber(ARGV[3]) do
  local dropped = redis.call('RPOP', KEYS[1])
  if not dropped then break end
  bytes = redis.call('DECRBY', KEYS[2], string.len(dropped))
  count = count - 1
end
if count == 0 then redis.call('DEL', KEYS[2]) end
return count
`
