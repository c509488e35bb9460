import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.js'
import { connectRedis, type RedisConnection } from '../../src/store/redis-connection.js'
import { createRedisUploadLog } from '../../src/store/redis-upload-log.js'
import { createSharedCredentialLayer } from '../../src/store/shared-credentials.js'
import type { StsCredentials } from '../../src/sts/types.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'

let redis: RedisProcess
let one: RedisConnection
let two: RedisConnection
let prefix = 0
const logger = pino({ level: 'silent' })

beforeAll(async () => {
  redis = await startRedis()
  ;[one, two] = await Promise.all([connectRedis(redis.url, logger), connectRedis(redis.url, logger)])
})

afterAll(async () => {
  await one?.close()
  await two?.close()
  await redis?.stop()
})

function credentials(n: number, expiresAt: number): StsCredentials {
  return { accessKeyId: `STS.${n}`, accessKeySecret: `secret-${n}`, securityToken: `token-${n}`, expiration: '', expiresAt }
}

function layer(connection: RedisConnection, now: () => number, secret = Buffer.alloc(32, 7), keyPrefix = `p${prefix}:`) {
  return createSharedCredentialLayer({ redis: connection, keyPrefix, secret, now, refreshRatio: 0.5, lockMs: 2000, waitMs: 1000, pollMs: 5 })
}

/** The same connection, with every answer delivered `ms` late (a process too busy to read it). */
function lagging(connection: RedisConnection, ms: number): RedisConnection {
  const late = async <T>(answer: Promise<T>): Promise<T> => {
    const value = await answer
    await new Promise((r) => setTimeout(r, ms))
    return value
  }
  const client = new Proxy(connection.client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function') return value
      if (prop === 'multi') {
        return (...args: unknown[]) => {
          const batch = (value as (...a: unknown[]) => { exec: () => Promise<unknown> }).apply(target, args)
          const exec = batch.exec.bind(batch)
          batch.exec = () => late(exec())
          return batch
        }
      }
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args)
        return result instanceof Promise ? late(result) : result
      }
    },
  })
  return { ...connection, client, isUp: () => connection.isUp() }
}

describe('shared credential layer (real redis-server)', () => {
  it('hands one instance\'s credentials to another, with when they were obtained', async () => {
    prefix++
    let t = 1_000_000
    const now = () => t
    let calls = 0
    const fetch = async () => credentials(++calls, t + 900_000)
    const first = await layer(one, now).load('alice\u0000rw', fetch)
    t += 100_000
    const second = await layer(two, now).load('alice\u0000rw', fetch)
    expect(calls).toBe(1)
    expect(second).toEqual({ credentials: first.credentials, obtainedAt: 1_000_000 })
  })

  it('fetches anew once less than the refresh share of the lifetime is left', async () => {
    prefix++
    let t = 0
    let calls = 0
    const fetch = async () => credentials(++calls, t + 900_000)
    await layer(one, () => t).load('k', fetch)
    t += 460_000
    expect((await layer(two, () => t).load('k', fetch)).credentials.accessKeyId).toBe('STS.2')
  })

  it('lets concurrent misses make one call between them', async () => {
    prefix++
    let calls = 0
    const fetch = async () => {
      calls++
      await new Promise((r) => setTimeout(r, 50))
      return credentials(calls, Date.now() + 900_000)
    }
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => layer(i % 2 ? one : two, Date.now).load('k', fetch)))
    expect(calls).toBe(1)
    expect(new Set(results.map((r) => r.credentials.accessKeyId)).size).toBe(1)
  })

  it('makes one call when the holder finishes between another instance\'s read and its lock attempt', async () => {
    // Every answer to `two` arrives 100 ms late: a busy process. Reading the value and taking the
    // lock as two round trips, `two` read "nothing yet", then took the lock `one` had already
    // used and released, and fetched a second time (the redis-instances flake).
    prefix++
    let calls = 0
    const fetch = async () => credentials(++calls, Date.now() + 900_000)
    const slow = layer(lagging(two, 100), Date.now).load('k', fetch)
    await new Promise((r) => setTimeout(r, 10))
    const fast = layer(one, Date.now).load('k', fetch)
    const results = await Promise.all([slow, fast])
    expect(calls).toBe(1)
    expect(new Set(results.map((r) => r.credentials.accessKeyId)).size).toBe(1)
  })

  it('waits for a holder slower than the configured wait, as long as its lock lasts', async () => {
    prefix++
    let calls = 0
    const fetch = async () => {
      calls++
      await new Promise((r) => setTimeout(r, 300))
      return credentials(calls, Date.now() + 900_000)
    }
    const options = { redis: one, keyPrefix: `p${prefix}:`, secret: Buffer.alloc(32, 7), now: Date.now, refreshRatio: 0.5, lockMs: 1000, waitMs: 100, pollMs: 5 }
    const holder = createSharedCredentialLayer(options).load('k', fetch)
    await new Promise((r) => setTimeout(r, 20))
    const waiter = createSharedCredentialLayer({ ...options, redis: two }).load('k', fetch)
    await Promise.all([holder, waiter])
    expect(calls).toBe(1)
  })

  it('lets one waiter take over, under the lock, when the holder fails', async () => {
    prefix++
    let calls = 0
    let active = 0
    let mostAtOnce = 0
    const fetch = async () => {
      const n = ++calls
      mostAtOnce = Math.max(mostAtOnce, ++active)
      await new Promise((r) => setTimeout(r, 50))
      active--
      if (n === 1) throw new Error('STS failed')
      return credentials(n, Date.now() + 900_000)
    }
    const holder = layer(one, Date.now).load('k', fetch)
    await new Promise((r) => setTimeout(r, 10))
    const waiters = [two, one, two].map((c) => layer(c, Date.now).load('k', fetch))
    await expect(holder).rejects.toThrow('STS failed')
    const results = await Promise.all(waiters)
    expect(calls).toBe(2)
    expect(mostAtOnce).toBe(1)
    expect(new Set(results.map((r) => r.credentials.accessKeyId))).toEqual(new Set(['STS.2']))
  })

  it('ignores values sealed with another secret or moved to another key, and fetches', async () => {
    prefix++
    let calls = 0
    const fetch = async () => credentials(++calls, Date.now() + 900_000)
    await layer(one, Date.now, Buffer.alloc(32, 1)).load('k', fetch)
    expect((await layer(two, Date.now, Buffer.alloc(32, 2)).load('k', fetch)).credentials.accessKeyId).toBe('STS.2')

  })

  it('refuses a value copied under another key (the seal is bound to its key)', async () => {
    prefix++
    let calls = 0
    const fetch = async () => credentials(++calls, Date.now() + 900_000)
    const shared = layer(one, Date.now)
    await shared.load('k1', fetch)
    await shared.load('k2', fetch)
    const [x, y] = await one.client.keys(`p${prefix}:cred:*`)
    await one.client.set(y as string, (await one.client.get(x as string)) as string, 'KEEPTTL')
    const after = [await shared.load('k1', fetch), await shared.load('k2', fetch)].map((r) => r.credentials.accessKeyId)
    expect(calls).toBe(3)
    expect(after[0]).not.toBe('STS.2')
    expect(after[1]).not.toBe('STS.1')
  })

  it('calls STS directly while Redis is away, and never fails because of Redis', async () => {
    prefix++
    const down: RedisConnection = { client: one.client, isUp: () => true, close: async () => undefined }
    await redis.kill()
    try {
      const result = await layer(down, Date.now).load('k', async () => credentials(9, Date.now() + 900_000))
      expect(result.credentials.accessKeyId).toBe('STS.9')
    } finally {
      await redis.restart()
    }
    await waitUp(one)
    await waitUp(two)
  })
})

describe('Redis upload log (real redis-server)', () => {
  it('refuses a ticket claimed through another instance, and shares the uploads and the audit stream', async () => {
    prefix++
    const keyPrefix = `u${prefix}:`
    const a = createRedisUploadLog({ redis: one, keyPrefix, now: Date.now, maxPerUser: 2 })
    const b = createRedisUploadLog({ redis: two, keyPrefix, now: Date.now, maxPerUser: 2 })
    expect(await a.claimTicket('ticket-1', Date.now() + 60_000)).toBe(true)
    expect(await b.claimTicket('ticket-1', Date.now() + 60_000)).toBe(false)
    expect(await b.claimTicket('ticket-2', Date.now() + 60_000)).toBe(true)
    for (const key of ['u/alice/1', 'u/alice/2', 'u/alice/3']) {
      await a.record('alice', { key, size: 1, etag: 'E', crc64: '0', mimeType: 'text/plain', at: '2026-11-25T00:00:00.000Z' })
    }
    expect((await b.list('alice')).map((u) => u.key)).toEqual(['u/alice/3', 'u/alice/2'])
    expect(await one.client.xlen(`${keyPrefix}audit`)).toBe(3)
  })

  it('fails closed with ERR_STORE_UNAVAILABLE while Redis is away', async () => {
    const log = createRedisUploadLog({ redis: one, keyPrefix: 'x:', now: Date.now })
    await redis.kill()
    try {
      await expect(log.claimTicket('t', Date.now() + 1000)).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(log.list('alice')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    } finally {
      await redis.restart()
    }
    await waitUp(one)
    await waitUp(two)
  })
})

async function waitUp(connection: RedisConnection): Promise<void> {
  const started = Date.now()
  while (!connection.isUp()) {
    if (Date.now() - started > 5000) throw new Error('redis did not come back')
    await new Promise((r) => setTimeout(r, 20))
  }
}
