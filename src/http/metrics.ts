import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics, on a registry of their own (so several apps can live in one process). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpRequests: new Counter({
      name: 'ossvend_http_requests_total',
      help: 'HTTP requests by route template (or unmatched), method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'ossvend_http_request_duration_seconds',
      help: 'HTTP request duration by route template (or unmatched)',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    stsCalls: new Counter({
      name: 'ossvend_sts_calls_total',
      help: 'AssumeRole calls by outcome (ok, retryable, throttled, rejected, forbidden, circuit-open)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    stsDuration: new Histogram({
      name: 'ossvend_sts_call_duration_seconds',
      help: 'AssumeRole latency, retries included',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    credentialCache: new Counter({
      name: 'ossvend_credential_cache_total',
      help: 'Credential cache lookups by result (hit, miss, refresh)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    stsCircuit: new Gauge({
      name: 'ossvend_sts_circuit_open',
      help: '1 while the STS circuit breaker is open or half-open',
      registers: [registry],
    }),
    storeUp: new Gauge({
      name: 'ossvend_store_up',
      help: '1 while the shared store (Redis) answers, 0 while it does not; absent state without Redis is 1',
      registers: [registry],
    }),
    uploadCallbacks: new Counter({
      name: 'ossvend_upload_callbacks_total',
      help: 'OSS upload callbacks by result (verified, refused) and refusal reason (none when verified)',
      labelNames: ['result', 'reason'] as const,
      registers: [registry],
    }),
    signatures: new Counter({
      name: 'ossvend_signatures_issued_total',
      help: 'Signed URLs and PostObject forms issued, by kind (url, post) and signature version (v1, v4)',
      labelNames: ['kind', 'version'] as const,
      registers: [registry],
    }),
    credentialsVended: new Counter({
      name: 'ossvend_credentials_vended_total',
      help: 'Credentials answered by GET /v1/sts, by scope and cache outcome (hit, miss, refresh)',
      labelNames: ['scope', 'cache'] as const,
      registers: [registry],
    }),
    logins: new Counter({
      name: 'ossvend_logins_total',
      help: 'Login attempts by result (ok, failed, throttled)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
