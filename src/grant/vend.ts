import { ScopeForbiddenError, ScopeUnknownError, StsUnavailableError, StsUpstreamError } from '../errors.js'
import type { RenderedPolicy } from '../policy/render.js'
import type { CircuitBreaker } from '../sts/circuit-breaker.js'
import type { CacheOutcome, CredentialCache } from '../sts/credential-cache.js'
import { callWithRetry, type RetryOptions } from '../sts/retry.js'
import { deriveRoleSessionName } from '../sts/session-name.js'
import { StsCallError, type StsClient, type StsCredentials } from '../sts/types.js'
import type { SharedCredentialLayer } from '../store/shared-credentials.js'
import type { Scopes } from './scopes.js'
import { claimsOf } from './caller-claims.js'

/** Who is asking: the verified token's subject and the scopes it may use. */
export interface Principal {
  readonly userId: string
  readonly scopes: readonly string[]
  /** Where the user signed in: `local` (built-in), `guest`, or an identity provider's name. */
  readonly provider?: string
}

export interface VendResult {
  readonly credentials: StsCredentials
  readonly rendered: RenderedPolicy
  readonly scope: string
  readonly sessionName: string
  readonly outcome: CacheOutcome
}

export interface StsCallObserver {
  onCall?(outcome: 'ok' | StsCallError['kind'] | 'circuit-open', seconds: number): void
  /** STS says our configuration is wrong (NoPermission, bad AccessKey); readiness should drop. */
  onForbidden?(error: StsCallError): void
}

export interface CredentialVendorOptions {
  readonly scopes: Scopes
  readonly sts: StsClient
  readonly cache: CredentialCache
  readonly breaker: CircuitBreaker
  readonly retry: RetryOptions
  readonly roleArn: string
  readonly durationSec: number
  readonly observer?: StsCallObserver
  /** Credentials shared between instances (Redis); without it each instance calls STS itself. */
  readonly shared?: SharedCredentialLayer
}

/**
 * Vends STS credentials for a user and scope: the scope must be one the user holds; the policy is
 * the scope's template rendered for the user (and probed); credentials are cached per (user,
 * scope, policy hash), so STS is called once per key per lifetime, with retries inside a
 * deadline and a circuit breaker that fails fast while STS is down.
 */
export function createCredentialVendor(options: CredentialVendorOptions) {
  const { scopes, sts, cache, breaker, retry, observer, shared } = options

  async function callSts(rendered: RenderedPolicy, sessionName: string): Promise<StsCredentials> {
    if (!breaker.tryAcquire()) {
      observer?.onCall?.('circuit-open', 0)
      throw new StsUnavailableError('STS circuit is open', Math.ceil(breaker.retryAfterMs() / 1000) || 1)
    }
    const started = retry.now()
    try {
      const credentials = await callWithRetry(
        () => sts.assumeRole({ roleArn: options.roleArn, sessionName, policy: rendered.text, durationSec: options.durationSec }),
        retry,
      )
      breaker.onSuccess()
      observer?.onCall?.('ok', (retry.now() - started) / 1000)
      return credentials
    } catch (err) {
      const failure = err instanceof StsCallError ? err : new StsCallError('retryable', 'Unknown', { cause: err })
      observer?.onCall?.(failure.kind, (retry.now() - started) / 1000)
      if (failure.kind === 'retryable' || failure.kind === 'throttled') {
        breaker.onFailure()
        const retryAfter = Math.max(1, Math.ceil((failure.retryAfterMs ?? breaker.retryAfterMs()) / 1000))
        throw new StsUnavailableError(`STS unavailable: ${failure.stsCode}`, retryAfter, { cause: failure })
      }
      breaker.onSuccess()
      if (failure.kind === 'forbidden') {
        observer?.onForbidden?.(failure)
        throw new StsUnavailableError(`STS refused the server's credentials: ${failure.stsCode}`, 60, { cause: failure })
      }
      throw new StsUpstreamError(failure.stsCode, failure.requestId, { cause: failure })
    }
  }

  function prepare(principal: Principal, requestedScope: string | undefined) {
    const scope = requestedScope ?? scopes.defaultScope
    if (!scopes.names.includes(scope)) throw new ScopeUnknownError(`unknown scope; known scopes: ${scopes.names.join(', ')}`)
    if (!principal.scopes.includes(scope)) throw new ScopeForbiddenError('this user may not use the requested scope')
    const rendered = scopes.render(scope, principal.userId, claimsOf(principal))
    const sessionName = deriveRoleSessionName(principal.userId)
    return { scope, rendered, sessionName, key: `${principal.userId}\u0000${scope}\u0000${rendered.hash}` }
  }

  return {
    /**
     * The answer when everything is cached and fresh, without a promise (the hot path of mobile
     * apps asking again and again); undefined when STS may have to be called.
     * @throws the same request errors as `vend`.
     */
    peek(principal: Principal, requestedScope: string | undefined): VendResult | undefined {
      const { scope, rendered, sessionName, key } = prepare(principal, requestedScope)
      const credentials = cache.peek(key)
      return credentials ? { credentials, rendered, scope, sessionName, outcome: 'hit' } : undefined
    },
    async vend(principal: Principal, requestedScope: string | undefined): Promise<VendResult> {
      const { scope, rendered, sessionName, key } = prepare(principal, requestedScope)
      const fetch = () => callSts(rendered, sessionName)
      const { credentials, outcome } = await cache.get(key, () => (shared ? shared.load(key, fetch) : fetch().then((c) => ({ credentials: c }))))
      return { credentials, rendered, scope, sessionName, outcome }
    },
  }
}

export type CredentialVendor = ReturnType<typeof createCredentialVendor>
