import { refreshMargins } from './refresh-margins.js'
import type { StsCredentials } from './types.js'

export interface CredentialCacheOptions {
  readonly now: () => number
  /** Refresh once less than this share of the credentials' lifetime remains (see `refreshMargins`). */
  readonly refreshRatio: number
  /** Never serve credentials with less than this share of their lifetime left. */
  readonly minServeRatio: number
  readonly maxEntries: number
}

/** What a load returns: the credentials and, when another layer obtained them earlier, when. */
export interface LoadedCredentials {
  readonly credentials: StsCredentials
  readonly obtainedAt?: number
}

export type CacheOutcome = 'hit' | 'miss' | 'refresh'

interface Entry {
  readonly credentials: StsCredentials
  readonly obtainedAt: number
}

/**
 * Credentials per key (user, scope, policy hash), served until a margin before they expire that
 * follows their lifetime (`refreshMargins`: shares of the lifetime, never less than the clients'
 * own stale window where the lifetime allows):
 * - plenty of lifetime left: served from the cache (`hit`);
 * - below `refreshRatio`: still served, and one background refresh is started (`refresh`); if
 *   the refresh fails, the old credentials keep being served;
 * - below `minServeRatio`, or none: the caller waits for a fresh load (`miss`).
 * Concurrent loads for one key share one call (single flight); failures are not cached.
 */
export function createCredentialCache(options: CredentialCacheOptions) {
  const entries = new Map<string, Entry>()
  const inflight = new Map<string, Promise<StsCredentials>>()

  const marginsOf = (entry: Entry) =>
    refreshMargins(Math.max(1, entry.credentials.expiresAt - entry.obtainedAt), options.refreshRatio, options.minServeRatio)

  function store(key: string, credentials: StsCredentials, obtainedAt: number): void {
    entries.delete(key)
    entries.set(key, { credentials, obtainedAt })
    if (entries.size > options.maxEntries) {
      const oldest = entries.keys().next().value
      if (oldest !== undefined) entries.delete(oldest)
    }
  }

  function load(key: string, fetch: () => Promise<LoadedCredentials>): Promise<StsCredentials> {
    const pending = inflight.get(key)
    if (pending) return pending
    const startedAt = options.now()
    const promise = fetch()
      .then(({ credentials, obtainedAt }) => {
        store(key, credentials, obtainedAt ?? startedAt)
        return credentials
      })
      .finally(() => {
        if (inflight.get(key) === promise) inflight.delete(key)
      })
    inflight.set(key, promise)
    return promise
  }

  return {
    /** The cached credentials when they need no refresh yet; no promise, for the hot path. */
    peek(key: string): StsCredentials | undefined {
      const entry = entries.get(key)
      if (!entry) return undefined
      return entry.credentials.expiresAt - options.now() >= marginsOf(entry).refreshBelowMs ? entry.credentials : undefined
    },
    async get(key: string, fetch: () => Promise<LoadedCredentials>): Promise<{ credentials: StsCredentials; outcome: CacheOutcome }> {
      const entry = entries.get(key)
      if (entry) {
        const now = options.now()
        const margins = marginsOf(entry)
        const remaining = entry.credentials.expiresAt - now
        if (remaining >= margins.refreshBelowMs) return { credentials: entry.credentials, outcome: 'hit' }
        if (remaining >= margins.stopServingBelowMs) {
          load(key, fetch).catch(() => undefined)
          return { credentials: entry.credentials, outcome: 'refresh' }
        }
        entries.delete(key)
      }
      return { credentials: await load(key, fetch), outcome: 'miss' }
    },
    /** Whether a usable entry exists (for readiness: a warm cache can serve while STS is down). */
    get size(): number {
      return entries.size
    },
    clear(): void {
      entries.clear()
    },
  }
}

export type CredentialCache = ReturnType<typeof createCredentialCache>
