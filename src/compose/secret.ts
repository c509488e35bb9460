import { randomBytes } from 'node:crypto'
import type { Env } from '../config/load.js'
import type { Config } from '../config/types.js'
import { ConfigInvalidError } from '../errors.js'

export const MIN_SECRET_BYTES = 32

/**
 * The key behind ossvend's own tokens, upload tickets and the shared credential cache: from
 * OSSVEND_JWT_SECRET, or random per process (tokens then die with it). Several instances sharing
 * Redis must share it, so Redis without it is refused.
 * @throws {ConfigInvalidError} ERR_CONFIG_INVALID naming OSSVEND_JWT_SECRET
 */
export function loadServerSecret(config: Config, env: Env): Buffer {
  const text = env.OSSVEND_JWT_SECRET
  if (!text) {
    if (config.store.redisUrl) {
      throw secretInvalid('secret.required', 'is required with Redis (store.redisUrl / REDIS_URL): every instance must share it')
    }
    return randomBytes(32)
  }
  const secret = Buffer.from(text, 'utf8')
  if (secret.length < MIN_SECRET_BYTES) throw secretInvalid('secret.short', `must have at least ${MIN_SECRET_BYTES} bytes`)
  return secret
}

function secretInvalid(code: string, message: string): ConfigInvalidError {
  return new ConfigInvalidError('OSSVEND_JWT_SECRET', [{ pointer: '', code, message }])
}
