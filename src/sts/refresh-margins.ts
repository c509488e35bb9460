/**
 * `@alicloud/credentials` treats a session with 15 minutes or less left as stale and fetches
 * again on the next `getCredential()`; the mobile SDKs refetch below 5 minutes.
 */
export const CLIENT_STALE_MS = 15 * 60_000
/** Allowance for transit and clock skew on top of the clients' stale window. */
const SLACK_MS = 60_000

export interface RefreshMargins {
  /** Below this much lifetime left, a background refresh starts (the old credentials still serve). */
  readonly refreshBelowMs: number
  /** Below this much lifetime left, credentials are never handed out. */
  readonly stopServingBelowMs: number
}

/**
 * The cache's margins for credentials of a given lifetime: the configured shares of the lifetime,
 * but never serving credentials that the clients would already find stale, as long as the
 * lifetime leaves room (up to half of it). 3600-second credentials: refresh below 30 min, stop
 * serving below 16 min; 900-second ones: refresh below 562 s, stop below 450 s (still above the
 * mobile SDKs' 5 minutes; `@alicloud/credentials` refetches such short ones on every call, which
 * is why 3600 s is the default).
 */
export function refreshMargins(lifetimeMs: number, refreshRatio: number, minServeRatio: number): RefreshMargins {
  const clientFloor = Math.min(CLIENT_STALE_MS + SLACK_MS, lifetimeMs / 2)
  const stopServingBelowMs = Math.max(lifetimeMs * minServeRatio, clientFloor)
  const refreshBelowMs = Math.max(lifetimeMs * refreshRatio, stopServingBelowMs + (lifetimeMs - stopServingBelowMs) / 4)
  return { refreshBelowMs, stopServingBelowMs }
}
