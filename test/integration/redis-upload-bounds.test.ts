import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectRedis, type RedisConnection } from '../../src/store/redis-connection.js'
import { createRedisUploadLog } from '../../src/store/redis-upload-log.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'

let redis: RedisProcess
let connection: RedisConnection
beforeAll(async () => {
  redis = await startRedis()
  connection = await connectRedis(redis.url, pino({ level: 'silent' }))
})
afterAll(async () => {
  await connection?.close()
  await redis?.stop()
})

describe('the Redis upload log (real redis-server)', () => {
  it('keeps each user\'s list within its byte budget and each field within its bound', async () => {
    const log = createRedisUploadLog({ redis: connection, keyPrefix: 'bounds:', now: Date.now, maxPerUser: 1000, maxBytesPerUser: 8 * 1024 })
    for (let i = 0; i < 50; i++) {
      await log.record('alice', { key: `alice/${'k'.repeat(2000)}${i}`, size: 1, etag: 'E', crc64: '1', mimeType: 'x'.repeat(60 * 1024), at: new Date().toISOString() })
    }
    const lines = await connection.client.lrange('bounds:uploads:alice', 0, -1)
    expect(lines.reduce((n, l) => n + Buffer.byteLength(l), 0)).toBeLessThanOrEqual(8 * 1024)
    expect(Number(await connection.client.get('bounds:uploads-bytes:alice'))).toBe(lines.reduce((n, l) => n + Buffer.byteLength(l), 0))
    const kept = await log.list('alice')
    expect(kept.length).toBeGreaterThan(0)
    expect(Buffer.byteLength(kept[0]?.key ?? '')).toBeLessThanOrEqual(1023)
    expect(Buffer.byteLength(kept[0]?.mimeType ?? '')).toBeLessThanOrEqual(255)
  })
})
