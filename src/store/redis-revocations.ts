import type { Redis } from 'ioredis'
import { StoreUnavailableError } from '../errors.js'
import { ExpiringSet, type RevocationList } from '../auth/revocations.js'
import type { RedisConnection } from './redis-connection.js'

/**
 * Revocations shared by every instance: a key per revoked id (expiring with the last token it
 * covers), and a channel so that each instance also drops revoked tokens from its cache of
 * verified tokens at once. A token not yet seen by an instance is checked against Redis; while
 * Redis is down only what the channel delivered before counts (documented in the README).
 */
export async function createRedisRevocationList(options: { redis: RedisConnection; keyPrefix: string; now: () => number }): Promise<RevocationList> {
  const { redis, keyPrefix, now } = options
  const local = new ExpiringSet(now)
  const channel = `${keyPrefix}revocations`
  const key = (id: string) => `${keyPrefix}revoked:${id}`
  const subscriber: Redis = redis.client.duplicate({ enableOfflineQueue: true, lazyConnect: true })
  subscriber.on('error', () => undefined)
  subscriber.on('message', (_channel: string, message: string) => {
    const space = message.lastIndexOf(' ')
    if (space > 0) local.add(message.slice(0, space), Number(message.slice(space + 1)))
  })
  await subscriber.connect().catch(() => undefined)
  await subscriber.subscribe(channel).catch(() => undefined)

  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      throw new StoreUnavailableError(`shared store unavailable (${what})`, { cause: err })
    }
  }
  return {
    async revoke(id, untilMs) {
      local.add(id, untilMs)
      const ttl = Math.max(1, Math.ceil(untilMs - now()))
      await call('revoke', async () => {
        await redis.client.set(key(id), '1', 'PX', ttl)
        await redis.client.publish(channel, `${id} ${untilMs}`)
      })
    },
    async isRevoked(ids) {
      if (ids.length === 0) return false
      if (ids.some((id) => local.has(id))) return true
      // With Redis away, what this instance heard on the channel decides: vending goes on, as for
      // the rest of the shared state. A sign-out itself fails while Redis is away (503).
      if (!redis.isUp()) return false
      try {
        return (await redis.client.exists(...ids.map(key))) > 0
      } catch {
        // Redis went away during the check (or does not answer in time): the same as away before it.
        return false
      }
    },
    isRevokedLocally: (ids) => ids.some((id) => local.has(id)),
    async claimOnce(id, untilMs) {
      const ttl = Math.max(1, Math.ceil(untilMs - now()))
      return (await call('claim', () => redis.client.set(`${keyPrefix}claimed:${id}`, '1', 'PX', ttl, 'NX'))) === 'OK'
    },
    async close() {
      subscriber.disconnect(false)
    },
  }
}
