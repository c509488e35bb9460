import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { traceRedisCommands } from '../lib/tracing.js'

export interface RedisConnection {
  readonly client: Redis
  /** True while commands can be sent; false while reconnecting. */
  isUp(): boolean
  close(): Promise<void>
}

/**
 * One ioredis client that fails fast: no offline queue (a command sent while Redis is away is
 * refused at once rather than held), a short command timeout, and endless reconnects with a
 * capped backoff, so the server recovers by itself when Redis returns.
 * Waits up to `readyTimeoutMs` for the first connection and starts degraded when there is none.
 */
export async function connectRedis(url: string, logger: Logger, readyTimeoutMs = 2000): Promise<RedisConnection> {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(50 * times, 500),
    lazyConnect: true,
  })
  traceRedisCommands(client as unknown as Parameters<typeof traceRedisCommands>[0])
  let up = false
  client.on('ready', () => {
    if (!up) logger.info('shared store connected')
    up = true
  })
  client.on('end', () => (up = false))
  client.on('close', () => {
    if (up) logger.warn('shared store connection lost; serving from local state where that is safe')
    up = false
  })
  // ioredis reports each failed reconnect; the state change above is what matters.
  client.on('error', () => undefined)
  client.connect().catch(() => undefined)
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, readyTimeoutMs)
    client.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  if (!up) logger.warn('shared store not reachable at start; retrying in the background')
  return {
    client,
    isUp: () => up,
    async close() {
      client.disconnect(false)
    },
  }
}
