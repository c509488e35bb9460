import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRemoteJWKSet, customFetch, type CryptoKey, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose'
import { parseJsonText } from '../lib/parse-json.js'
import { boundedGet, cacheControlMaxAge, ProviderFetchError, type BoundedFetchOptions } from './bounded-fetch.js'

/** Finds the key for a token's protected header; the `kid` is attacker input, only looked up. */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<KeyObject | CryptoKey>

/** Keys from PEM files, by kid (`publicKeys`). */
export async function createStaticKeyResolver(publicKeys: Readonly<Record<string, string>>): Promise<KeyResolver> {
  const keys = new Map<string, KeyObject>()
  for (const [kid, path] of Object.entries(publicKeys)) keys.set(kid, createPublicKey(await readFile(path, 'utf8')))
  return async (header) => {
    const key = header.kid === undefined ? undefined : keys.get(header.kid)
    if (!key) throw new KeyUnknownError()
    return key
  }
}

/** The token names a key the provider does not list. */
export class KeyUnknownError extends Error {
  override readonly name = 'KeyUnknownError'
  constructor() {
    super('kid-unknown')
  }
}

export interface RemoteKeySetOptions extends BoundedFetchOptions {
  /** Keys are never used longer than this after they were fetched (`jwksMaxAgeSec`). */
  readonly maxAgeSec: number
  /** A shorter `Cache-Control: max-age` from the provider wins, but never below this. */
  readonly minAgeSec?: number
  /** At most one refetch per this many seconds for a kid the set does not hold. */
  readonly cooldownSec: number
  readonly maxKeys: number
  /** Milliseconds; a parameter so tests can move time. */
  readonly now: () => number
  readonly onBackgroundError?: (err: unknown) => void
}

export interface RemoteKeySet {
  readonly url: URL
  readonly resolve: KeyResolver
  /** Fetches now (start-up checks and `providers check`); what it found. */
  reload(): Promise<{ keys: number; kids: string[]; maxAgeSec: number }>
}

/**
 * A provider's JSON Web Key Set, kept by `jose`'s remote key set (key import and matching by
 * kid/alg/use, single-flight fetches) behind a fetch that enforces
 * https, a deadline, a byte limit, a key count and unique kids, and reads `Cache-Control`.
 * Age and the unknown-kid cooldown are ours, on the injected clock: from 80 % of the maximum age
 * the set is refetched in the background; past the maximum age it is not used at all until a
 * fetch succeeds, so a key the provider removed stops being accepted within the maximum age. A
 * failed fetch changes nothing that is kept (and starts no cooldown).
 */
export function createRemoteKeySet(url: URL, options: RemoteKeySetOptions): RemoteKeySet {
  const minAgeSec = options.minAgeSec ?? 10
  let fetchedAt: number | undefined
  let maxAgeMs = options.maxAgeSec * 1000
  let last: { kids: string[]; maxAgeSec: number } = { kids: [], maxAgeSec: options.maxAgeSec }

  async function fetchKeySet(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const target = new URL(input instanceof Request ? input.url : String(input))
    const answer = await boundedGet(target, options, init?.signal ?? undefined)
    if (answer.status !== 200) throw new ProviderFetchError('status', `${target.origin}${target.pathname} answered ${answer.status}`)
    const kids = checkKeySet(answer.body, options.maxKeys)
    const given = cacheControlMaxAge(answer.headers['cache-control'])
    const ageSec = Math.max(minAgeSec, Math.min(options.maxAgeSec, given ?? options.maxAgeSec))
    // Recorded here, once the answer is known to be usable: jose applies it right after.
    fetchedAt = options.now()
    maxAgeMs = ageSec * 1000
    last = { kids, maxAgeSec: ageSec }
    return new Response(answer.body, { status: 200, headers: { 'content-type': 'application/json' } })
  }

  const cooldownMs = options.cooldownSec * 1000
  const jwks = createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs,
    // Both clocks are ours (options.now, which tests move): jose reads Date.now(), so it is told
    // never to expire the set nor refetch for an unknown kid by itself; resolve() decides both.
    cooldownDuration: Number.POSITIVE_INFINITY,
    cacheMaxAge: Number.POSITIVE_INFINITY,
    [customFetch]: fetchKeySet,
  })

  const noMatchingKey = (err: unknown) => (err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY'

  return {
    url,
    async resolve(header, token) {
      const age = fetchedAt === undefined ? Number.POSITIVE_INFINITY : options.now() - fetchedAt
      if (age >= maxAgeMs) await jwks.reload()
      else if (age >= maxAgeMs * 0.8 && !jwks.reloading) jwks.reload().catch((err: unknown) => options.onBackgroundError?.(err))
      try {
        return (await jwks(header, token)) as KeyObject | CryptoKey
      } catch (err) {
        if (!noMatchingKey(err)) throw err
      }
      // A kid the set does not hold: the provider may have published a key since; refetch, but at
      // most once per cooldown since the last good fetch, so made-up kids cannot flood it.
      if (fetchedAt !== undefined && options.now() - fetchedAt < cooldownMs) throw new KeyUnknownError()
      await jwks.reload()
      try {
        return (await jwks(header, token)) as KeyObject | CryptoKey
      } catch (err) {
        if (noMatchingKey(err)) throw new KeyUnknownError()
        throw err
      }
    },
    async reload() {
      await jwks.reload()
      return { keys: last.kids.length, ...last }
    },
  }
}

/** Checks a key set document before anything of it is kept; returns its kids. */
export function checkKeySet(body: string, maxKeys: number): string[] {
  const parsed = parseJsonText(body)
  if (!parsed.ok) throw new ProviderFetchError('not-json', 'the key set is not JSON')
  const doc = parsed.value
  const keys = (doc as { keys?: unknown } | null)?.keys
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray(keys) || !keys.every((k) => k !== null && typeof k === 'object' && !Array.isArray(k))) {
    throw new ProviderFetchError('malformed', 'the key set is not { "keys": [ ... ] }')
  }
  if (keys.length > maxKeys) throw new ProviderFetchError('too-many-keys', `the key set lists ${keys.length} keys (at most ${maxKeys})`)
  const kids = keys.map((k: { kid?: unknown }) => (typeof k.kid === 'string' ? k.kid : ''))
  const seen = new Set<string>()
  for (const kid of kids) {
    if (seen.has(kid)) throw new ProviderFetchError('duplicate-kid', kid === '' ? 'the key set lists several keys without a kid' : 'the key set lists one kid twice')
    seen.add(kid)
  }
  return kids
}
