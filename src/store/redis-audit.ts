import type { RedisConnection } from './redis-connection.js'

/** About how many entries the audit stream keeps (XADD MAXLEN ~). */
export const AUDIT_MAX_LENGTH = 100_000

export function auditStreamKey(keyPrefix: string): string {
  return `${keyPrefix}audit`
}

/** One audit event: flat string fields, never a secret. */
export type AuditEvent = Readonly<Record<string, string>>

/**
 * Appends audit events to the `audit` stream every instance shares, trimmed to about
 * `maxLength` entries. Best effort: the log line written beside each event stays the record of
 * last resort, so a Redis outage loses stream entries, never requests.
 */
export function createRedisAuditStream(options: { redis: RedisConnection; keyPrefix: string; maxLength?: number; onError?: (err: unknown) => void }) {
  const stream = auditStreamKey(options.keyPrefix)
  const maxLength = options.maxLength ?? AUDIT_MAX_LENGTH
  return (event: AuditEvent): void => {
    if (!options.redis.isUp()) return
    options.redis.client.xadd(stream, 'MAXLEN', '~', maxLength, '*', ...Object.entries(event).flat()).catch((err: unknown) => options.onError?.(err))
  }
}
