import type { Logger } from 'pino'
import type { Config } from '../config/types.js'
import type { Scopes } from '../grant/scopes.js'
import { createCredentialVendor, type CredentialVendor } from '../grant/vend.js'
import type { Metrics } from '../http/metrics.js'
import type { SharedCredentialLayer } from '../store/shared-credentials.js'
import { createCallPacer } from '../sts/call-pacer.js'
import { createCircuitBreaker, type CircuitBreaker } from '../sts/circuit-breaker.js'
import { createCredentialCache, type CredentialCache } from '../sts/credential-cache.js'
import { defaultSleep } from '../sts/retry.js'
import type { StsClient } from '../sts/types.js'
import { tracedStsClient, tracedVendor } from '../lib/tracing.js'

export interface VendingOptions {
  readonly config: Config
  readonly logger: Logger
  readonly metrics: Metrics
  readonly sts: StsClient
  readonly scopes: Scopes
  readonly shared: SharedCredentialLayer | undefined
  readonly now: () => number
  /** AssumeRole calls per second, spread evenly (STS's quota). */
  readonly stsCallsPerSecond: number
  /** STS refused ossvend's own credentials (for /readyz). */
  readonly onForbidden: (stsCode: string) => void
}

export interface Vending {
  readonly vendor: CredentialVendor
  readonly breaker: CircuitBreaker
  readonly cache: CredentialCache
}

/** The credential vendor: cache, single-flight, calls paced at STS's rate, retries within a deadline, circuit breaker. */
export function createVending(options: VendingOptions): Vending {
  const { config, logger, metrics, now } = options
  const breaker = createCircuitBreaker({
    failureThreshold: 5,
    openMs: 5000,
    now,
    onChange: (state) => logger[state === 'open' ? 'warn' : 'info']({ event: 'sts-circuit', state }, `STS circuit ${state}`),
  })
  const cache = createCredentialCache({ now, refreshRatio: config.sts.refreshRatio, minServeRatio: config.sts.minServeRatio, maxEntries: config.sts.cacheMaxEntries })
  const vendor = createCredentialVendor({
    scopes: options.scopes,
    sts: tracedStsClient(options.sts),
    cache,
    breaker,
    roleArn: config.sts.roleArn,
    durationSec: config.sts.durationSec,
    retry: {
      maxAttempts: config.sts.maxAttempts,
      attemptTimeoutMs: config.sts.attemptTimeoutMs,
      deadlineMs: config.sts.deadlineMs,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      now,
      random: Math.random,
      sleep: defaultSleep,
      pacer: createCallPacer({ callsPerSecond: options.stsCallsPerSecond }),
    },
    ...(options.shared ? { shared: options.shared } : {}),
    observer: {
      onCall(outcome, seconds) {
        metrics.stsCalls.inc({ outcome })
        if (outcome !== 'circuit-open') metrics.stsDuration.observe(seconds)
      },
      onForbidden(error) {
        options.onForbidden(error.stsCode)
        logger.error({ stsCode: error.stsCode, requestId: error.requestId }, 'STS refused the server credentials; check the AccessKey and the role trust policy')
      },
    },
  })
  return { vendor: tracedVendor(vendor), breaker, cache }
}
