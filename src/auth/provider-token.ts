import { createHash, randomBytes } from 'node:crypto'
import { AuthExpiredError, AuthInvalidError, NotFoundError, ScopeForbiddenError, StoreUnavailableError } from '../errors.js'
import type { Principal } from '../grant/vend.js'
import type { AuthenticatedPrincipal } from './principal.js'
import { sessionKeyOf } from './revocations.js'
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
  /** `issuedWith`: the session (or sessionless token) it was issued with, see `sessionKeyOf`. */
  put(id: string, record: ProviderTokenRecord, ttlMs: number, issuedWith?: string): Promise<void>
  /** Removes every record issued with these sessions or tokens (signing out). */
  deleteIssuedWith(sessionKeys: readonly string[]): Promise<void>
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
    /**
     * A token for `principal` and one of its scopes, living `ttlSec` (default and cap from config),
     * ended when the session (or token) the principal signed in with is signed out.
     */
    async issue(principal: Principal & Partial<AuthenticatedPrincipal>, scope: string, ttlSec?: number): Promise<IssuedProviderToken> {
      if (!principal.scopes.includes(scope)) throw new ScopeForbiddenError('this user may not use the requested scope')
      const lifetimeSec = Math.min(ttlSec ?? options.defaultTtlSec, options.maxTtlSec)
      const id = randomBytes(16).toString('base64url')
      const secret = randomBytes(32).toString('base64url')
      const expiresAt = now() + lifetimeSec * 1000
      const record: ProviderTokenRecord = { userId: principal.userId, scope, expiresAt, secretHash: hashSecret(secret) }
      await store.put(id, record, lifetimeSec * 1000 + KEEP_AFTER_EXPIRY_MS, sessionKeyOf(principal))
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
  const records = new Map<string, { record: ProviderTokenRecord; until: number; issuedWith: string | undefined }>()
  const bySession = new Map<string, Set<string>>()
  const remove = (id: string) => {
    const entry = records.get(id)
    if (!entry) return false
    records.delete(id)
    if (entry.issuedWith !== undefined) {
      const ids = bySession.get(entry.issuedWith)
      ids?.delete(id)
      if (ids?.size === 0) bySession.delete(entry.issuedWith)
    }
    return true
  }
  return {
    async put(id, record, ttlMs, issuedWith) {
      const t = now()
      let looked = 0
      for (const [key, entry] of records) {
        if (++looked > 16) break
        if (entry.until <= t) remove(key)
      }
      if (records.size >= maxEntries) {
        const oldest = records.keys().next().value
        if (oldest !== undefined) remove(oldest)
      }
      records.set(id, { record, until: t + ttlMs, issuedWith })
      if (issuedWith !== undefined) {
        let ids = bySession.get(issuedWith)
        if (!ids) bySession.set(issuedWith, (ids = new Set()))
        ids.add(id)
      }
    },
    async deleteIssuedWith(sessionKeys) {
      for (const key of sessionKeys) for (const id of [...(bySession.get(key) ?? [])]) remove(id)
    },
    async get(id) {
      const entry = records.get(id)
      return entry && entry.until > now() ? entry.record : undefined
    },
    async delete(id) {
      return remove(id)
    },
  }
}

/**
 * Records in Redis, so that every instance honours a token and its revocation at once. Each
 * session (or sessionless token) has a set of the ids issued with it, living as long as its
 * longest record, which signing out reads and deletes with them.
 */
export function redisProviderTokenStore(redis: RedisConnection, keyPrefix: string): ProviderTokenStore {
  const key = (id: string) => `${keyPrefix}ptok:${id}`
  const sessionKey = (issuedWith: string) => `${keyPrefix}ptok-session:${issuedWith}`
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (err) {
      throw new StoreUnavailableError('the shared store is not answering', { cause: err })
    }
  }
  return {
    put: (id, record, ttlMs, issuedWith) =>
      guard(async () => {
        const ms = Math.max(1, Math.round(ttlMs))
        const batch = redis.client.multi().set(key(id), JSON.stringify(record), 'PX', ms)
        // NX then GT: the set gets an expiry, and only ever a later one (Redis 7).
        if (issuedWith !== undefined) batch.sadd(sessionKey(issuedWith), id).pexpire(sessionKey(issuedWith), ms, 'NX').pexpire(sessionKey(issuedWith), ms, 'GT')
        const results = await batch.exec()
        const failed = results?.find(([err]) => err)
        if (!results || failed) throw failed?.[0] ?? new Error('the transaction was discarded')
      }),
    deleteIssuedWith: (sessionKeys) =>
      guard(async () => {
        for (const issuedWith of sessionKeys) {
          const ids = await redis.client.smembers(sessionKey(issuedWith))
          await redis.client.del(sessionKey(issuedWith), ...ids.map(key))
        }
      }),
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
