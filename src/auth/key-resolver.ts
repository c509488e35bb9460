import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { IdpUnavailableError } from '../errors.js'
import type { KeyResolver } from './tokens.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

/** Keys from PEM files, by kid (config `auth.external.publicKeys`). */
export async function createStaticKeyResolver(publicKeys: Readonly<Record<string, string>>): Promise<KeyResolver> {
  const keys = new Map<string, KeyObject>()
  for (const [kid, path] of Object.entries(publicKeys)) keys.set(kid, createPublicKey(await readFile(path, 'utf8')))
  return async (kid) => (kid === undefined ? undefined : keys.get(kid))
}

export interface JwksResolverOptions {
  readonly url: string
  readonly timeoutMs?: number
  /** At most one fetch per this many ms for unknown kids, so random kids cannot flood the IdP. */
  readonly minRefetchMs?: number
  readonly fetch?: typeof fetch
  readonly now?: () => number
}

/**
 * Keys from a JWKS URL, cached. An unknown kid triggers a refetch at most once per
 * `minRefetchMs`, so rotation works without a restart. A cold cache with the IdP down is
 * IdpUnavailableError (503), not an authentication failure.
 */
export function createJwksResolver(options: JwksResolverOptions): KeyResolver {
  const fetchImpl = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const minRefetchMs = options.minRefetchMs ?? 60_000
  let keys = new Map<string, KeyObject>()
  let lastFetch = -Infinity
  let pending: Promise<void> | undefined

  async function refresh(): Promise<void> {
    lastFetch = now()
    const response = await fetchImpl(options.url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) })
    if (!response.ok) throw new Error(`JWKS answered ${response.status}`)
    const body = parseJsonOrThrow(await response.text()) as { keys?: { kid?: string; kty?: string }[] }
    const next = new Map<string, KeyObject>()
    for (const jwk of body.keys ?? []) {
      if (typeof jwk.kid !== 'string') continue
      try {
        next.set(jwk.kid, createPublicKey({ key: jwk as never, format: 'jwk' }))
      } catch {
        // A key this runtime cannot use is skipped, not fatal.
      }
    }
    keys = next
  }

  return async (kid) => {
    if (kid === undefined) return undefined
    const known = keys.get(kid)
    if (known) return known
    if (now() - lastFetch < minRefetchMs) return undefined
    pending ??= refresh().finally(() => (pending = undefined))
    try {
      await pending
    } catch (err) {
      if (keys.size === 0) throw new IdpUnavailableError('identity provider keys unavailable', { cause: err })
      return undefined
    }
    return keys.get(kid)
  }
}
