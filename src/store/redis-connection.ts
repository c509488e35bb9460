import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { traceRedisCommands } from '../lib/tracing.js'

export interface RedisConnection {
  readonly client: Redis
  /** True while commands can be sent; false while reconnecting. */
  isUp(): boolean
  close(): Promise<void>
}

/** Redis did not answer within the start-up wait; `target` is the URL without its credentials. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError'
  readonly target: string
  constructor(target: string, waitedMs: number, lastError: string | undefined) {
    super(`${target} did not answer within ${Math.round(waitedMs / 1000)} s${lastError ? ` (${lastError})` : ''}`)
    this.target = target
  }
}

/** `redis://host:port/db` without user or password: what may be printed. */
export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return 'the Redis URL'
  }
}

/**
 * One ioredis client that fails fast: no offline queue (a command sent while Redis is away is
 * refused at once rather than held), a short command timeout, and endless reconnects with a
 * capped backoff, so the server recovers by itself when Redis returns.
 * Waits up to `readyTimeoutMs` for the first connection (attempts every half second at most);
 * with none by then it disconnects and throws RedisUnreachableError: start-up exits 69 rather
 * than serving several instances that share nothing. Once connected, losing Redis degrades.
 */
export async function connectRedis(url: string, logger: Logger, readyTimeoutMs = 5000): Promise<RedisConnection> {
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
  let lastError: string | undefined
  const noteError = (err: Error & { code?: string }) => (lastError = err.code ?? err.name)
  client.on('error', noteError)
  client.connect().catch(() => undefined)
  const started = Date.now()
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, readyTimeoutMs)
    client.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  client.off('error', noteError)
  client.on('error', () => undefined)
  if (!up) {
    client.disconnect(false)
    throw new RedisUnreachableError(redisTarget(url), Date.now() - started, lastError)
  }
  return {
    client,
    isUp: () => up,
    async close() {
      client.disconnect(false)
    },
  }
}
