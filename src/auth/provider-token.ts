import { createHash, randomBytes } from 'node:crypto'
import { AuthExpiredError, AuthInvalidError, NotFoundError, ScopeForbiddenError, StoreUnavailableError } from '../errors.js'
import type { Principal } from '../grant/vend.js'
import { safeEqual } from '../lib/crypto.js'
import type { RedisConnection } from '../store/redis-connection.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

/**
 * Provider tokens: what an app puts in a credential-provider URL (the Android/iOS
 * `OSSAuthCredentialsProvider`, `@alicloud/credentials`' `credentials_uri`) instead of the
 * user's session token. One is good for `GET /v1/sts` only, for one user and one scope, until it
 * expires or is revoked, so a URL that leaks into a crash report is worth little.
 *
 * Form: `ovpt_<id>.<secret>`. The id names the record (and is what revocation takes); only a
 * SHA-256 of the secret is stored, so the store (Redis) never holds a usable token.
 */
export const PROVIDER_TOKEN_PREFIX = 'ovpt_'
const TOKEN = /^ovpt_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/
/** Records outlive their expiry by this much, so an expired token is told apart from a revoked one. */
const KEEP_AFTER_EXPIRY_MS = 24 * 3600_000

export interface ProviderTokenRecord {
  readonly userId: string
  readonly scope: string
  /** Epoch milliseconds. */
  readonly expiresAt: number
  readonly secretHash: string
}

/** Where records live: this process, or Redis shared by every instance. */
export interface ProviderTokenStore {
  put(id: string, record: ProviderTokenRecord, ttlMs: number): Promise<void>
  get(id: string): Promise<ProviderTokenRecord | undefined>
  /** True when a record was removed. */
  delete(id: string): Promise<boolean>
}

export interface IssuedProviderToken {
  readonly token: string
  readonly id: string
  readonly scope: string
  readonly expiresAt: number
}

export interface ProviderTokenOptions {
  readonly store: ProviderTokenStore
  readonly now: () => number
  readonly defaultTtlSec: number
  readonly maxTtlSec: number
}

export function isProviderToken(token: string): boolean {
  return token.startsWith(PROVIDER_TOKEN_PREFIX)
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex')

export function createProviderTokens(options: ProviderTokenOptions) {
  const { store, now } = options

  return {
    /** A token for `principal` and one of its scopes, living `ttlSec` (default and cap from config). */
    async issue(principal: Principal, scope: string, ttlSec?: number): Promise<IssuedProviderToken> {
      if (!principal.scopes.includes(scope)) throw new ScopeForbiddenError('this user may not use the requested scope')
      const lifetimeSec = Math.min(ttlSec ?? options.defaultTtlSec, options.maxTtlSec)
      const id = randomBytes(16).toString('base64url')
      const secret = randomBytes(32).toString('base64url')
      const expiresAt = now() + lifetimeSec * 1000
      const record: ProviderTokenRecord = { userId: principal.userId, scope, expiresAt, secretHash: hashSecret(secret) }
      await store.put(id, record, lifetimeSec * 1000 + KEEP_AFTER_EXPIRY_MS)
      return { token: `${PROVIDER_TOKEN_PREFIX}${id}.${secret}`, id, scope, expiresAt }
    },

    /**
     * The principal a provider token stands for: its user, holding only its scope.
     * @throws {AuthInvalidError} malformed, unknown or revoked; {AuthExpiredError} expired.
     */
    async verify(token: string): Promise<Principal & { readonly scope: string }> {
      const match = TOKEN.exec(token)
      if (!match) throw new AuthInvalidError('the provider token is malformed')
      const [, id, secret] = match as unknown as [string, string, string]
      const record = await store.get(id)
      if (!record || !safeEqual(record.secretHash, hashSecret(secret))) {
        throw new AuthInvalidError('the provider token is unknown or was revoked; ask the app server for a new provider URL')
      }
      if (now() >= record.expiresAt) throw new AuthExpiredError('the provider token has expired; ask the app server for a new provider URL')
      return { userId: record.userId, scopes: [record.scope], scope: record.scope }
    },

    /** Revokes one of the user's own tokens by id. @throws {NotFoundError} none such for this user. */
    async revoke(userId: string, id: string): Promise<void> {
      const record = /^[A-Za-z0-9_-]{22}$/.test(id) ? await store.get(id) : undefined
      if (!record || record.userId !== userId) throw new NotFoundError('no such provider token for this user')
      await store.delete(id)
    },
  }
}

export type ProviderTokens = ReturnType<typeof createProviderTokens>

/** Records in this process (one instance); bounded, oldest first out. */
export function memoryProviderTokenStore(now: () => number, maxEntries = 100_000): ProviderTokenStore {
  const records = new Map<string, { record: ProviderTokenRecord; until: number }>()
  return {
    async put(id, record, ttlMs) {
      const t = now()
      let looked = 0
      for (const [key, entry] of records) {
        if (++looked > 16) break
        if (entry.until <= t) records.delete(key)
      }
      if (records.size >= maxEntries) {
        const oldest = records.keys().next().value
        if (oldest !== undefined) records.delete(oldest)
      }
      records.set(id, { record, until: t + ttlMs })
    },
    async get(id) {
      const entry = records.get(id)
      return entry && entry.until > now() ? entry.record : undefined
    },
    async delete(id) {
      return records.delete(id)
    },
  }
}

/** Records in Redis, so that every instance honours a token and its revocation at once. */
export function redisProviderTokenStore(redis: RedisConnection, keyPrefix: string): ProviderTokenStore {
  const key = (id: string) => `${keyPrefix}ptok:${id}`
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (err) {
      throw new StoreUnavailableError('the shared store is not answering', { cause: err })
    }
  }
  return {
    put: (id, record, ttlMs) => guard(async () => void (await redis.client.set(key(id), JSON.stringify(record), 'PX', Math.max(1, Math.round(ttlMs))))),
    get: (id) =>
      guard(async () => {
        const text = await redis.client.get(key(id))
        if (text === null) return undefined
        const parsed = parseJsonOrThrow(text) as Partial<ProviderTokenRecord>
        if (typeof parsed.userId !== 'string' || typeof parsed.scope !== 'string' || typeof parsed.expiresAt !== 'number' || typeof parsed.secretHash !== 'string') return undefined
        return { userId: parsed.userId, scope: parsed.scope, expiresAt: parsed.expiresAt, secretHash: parsed.secretHash }
      }),
    delete: (id) => guard(async () => (await redis.client.del(key(id))) > 0),
  }
}
