import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import type { LoadedCredentials } from '../sts/credential-cache.js'
import { refreshMargins } from '../sts/refresh-margins.js'
import type { StsCredentials } from '../sts/types.js'
import type { RedisConnection } from './redis-connection.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

export interface SharedCredentialOptions {
  readonly redis: RedisConnection
  readonly keyPrefix: string
  /** The instances' common secret; the values are encrypted with a key derived from it. */
  readonly secret: Buffer
  readonly now: () => number
  /** Shared credentials with less than this share of their lifetime left are fetched anew. */
  readonly refreshRatio: number
  /** As the local cache's, so both layers refresh at the same point (see `refreshMargins`). */
  readonly minServeRatio?: number
  /** How long one instance may hold the fetch lock (longer than an STS call with retries). */
  readonly lockMs: number
  /**
   * How long the others wait for a result (taking the lock over when its holder fails) before
   * fetching themselves: at least `lockMs`, so that only a Redis that stops answering makes two
   * instances call STS for one key.
   */
  readonly waitMs: number
  readonly pollMs?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly onStoreError?: (err: unknown) => void
}

interface SharedValue {
  readonly c: StsCredentials
  readonly o: number
}

const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/**
 * The second cache layer when several instances share Redis: credentials one instance obtained
 * are served by the others, and instances missing the same key at once make one AssumeRole
 * between them (a lock with a token; the others poll for its result, see `lookup`).
 * Values are AES-256-GCM sealed, bound to their Redis key, so Redis never holds a usable secret.
 * Whenever Redis fails, the caller's fetch runs directly: vending never depends on Redis.
 */
export function createSharedCredentialLayer(options: SharedCredentialOptions) {
  const { redis, now } = options
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const pollMs = options.pollMs ?? 25
  const sealKey = Buffer.from(hkdfSync('sha256', options.secret, 'ossvend', 'shared credential cache', 32))
  const nameKey = Buffer.from(hkdfSync('sha256', options.secret, 'ossvend', 'shared credential names', 32))

  const redisKey = (key: string) => `${options.keyPrefix}cred:${createHmac('sha256', nameKey).update(key).digest('base64url')}`

  function seal(name: string, value: SharedValue): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', sealKey, iv)
    cipher.setAAD(Buffer.from(name))
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  function open(name: string, text: string): SharedValue | undefined {
    try {
      const raw = Buffer.from(text, 'base64')
      const decipher = createDecipheriv('aes-256-gcm', sealKey, raw.subarray(0, 12))
      decipher.setAAD(Buffer.from(name))
      decipher.setAuthTag(raw.subarray(12, 28))
      return parseJsonOrThrow(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as SharedValue
    } catch {
      return undefined
    }
  }

  function fresh(value: SharedValue | undefined): value is SharedValue {
    if (!value) return false
    const lifetime = Math.max(1, value.c.expiresAt - value.o)
    return value.c.expiresAt - now() >= refreshMargins(lifetime, options.refreshRatio, options.minServeRatio ?? 0).refreshBelowMs
  }

  async function fetchAndShare(name: string, fetch: () => Promise<StsCredentials>): Promise<LoadedCredentials> {
    const obtainedAt = now()
    const credentials = await fetch()
    const ttl = credentials.expiresAt - now()
    if (ttl > 0) {
      await redis.client.set(name, seal(name, { c: credentials, o: obtainedAt }), 'PX', ttl).catch((err: unknown) => options.onStoreError?.(err))
    }
    return { credentials, obtainedAt }
  }

  /**
   * What the shared layer holds for a key, or that this instance holds the fetch lock. Taking the
   * lock and reading the value are one transaction: otherwise another instance could write the
   * value and release its lock between our read and our lock, and we would fetch a second time.
   * A waiter keeps trying the lock while it polls, so when the holder fails (or its lock expires)
   * one waiter takes over: every AssumeRole for a key happens under its lock. 'alone' only when
   * Redis stops answering, or after `waitMs` (at least the lock's own lifetime).
   */
  async function lookup(name: string, lock: string, token: string): Promise<SharedValue | 'locked' | 'alone'> {
    const giveUpAt = now() + Math.max(options.waitMs, options.lockMs)
    for (;;) {
      let locked = false
      try {
        const results = await redis.client.multi().set(lock, token, 'PX', options.lockMs, 'NX').get(name).exec()
        const failed = results?.find(([err]) => err)
        if (!results || failed) throw failed?.[0] ?? new Error('the transaction was discarded')
        locked = results[0]?.[1] === 'OK'
        const value = results[1]?.[1]
        const shared = typeof value === 'string' ? open(name, value) : undefined
        if (fresh(shared)) {
          if (locked) await release(lock, token)
          return shared
        }
        if (locked) return 'locked'
      } catch (err) {
        // The lock may have been taken even when its answer was lost: give it back (ours only).
        await release(lock, token)
        // A command that failed while the connection stays up (a timeout on a busy process) is
        // tried again within the wait; with Redis gone the caller fetches by itself.
        if (!redis.isUp() || now() >= giveUpAt) throw err
        options.onStoreError?.(err)
      }
      if (now() >= giveUpAt) return 'alone'
      await sleep(pollMs)
    }
  }

  async function release(lock: string, token: string): Promise<void> {
    await redis.client.eval(RELEASE_LOCK, 1, lock, token).catch((err: unknown) => options.onStoreError?.(err))
  }

  return {
    async load(key: string, fetch: () => Promise<StsCredentials>): Promise<LoadedCredentials> {
      if (!redis.isUp()) return { credentials: await fetch() }
      const name = redisKey(key)
      const lock = `${name}:lock`
      const token = randomBytes(16).toString('hex')
      let found: SharedValue | 'locked' | 'alone'
      try {
        found = await lookup(name, lock, token)
      } catch (err) {
        options.onStoreError?.(err)
        return { credentials: await fetch() }
      }
      if (found === 'alone') return fetchAndShare(name, fetch)
      if (found !== 'locked') return { credentials: found.c, obtainedAt: found.o }
      try {
        return await fetchAndShare(name, fetch)
      } finally {
        await release(lock, token)
      }
    },
  }
}

export type SharedCredentialLayer = ReturnType<typeof createSharedCredentialLayer>
