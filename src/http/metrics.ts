import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** One label set of a counter, counted by `inc()`. */
export interface CounterChild {
  inc(): void
}

/**
 * Children of a counter counted in plain numbers and added to the counter when the registry is
 * read (prom-client calls `collect` first): prom-client checks and hashes the label set on every
 * `inc`, which the counters counted on every request pay for nothing between two scrapes. Read
 * through the registry (or the counter's `get`), the values are exact; a series appears once its
 * count is above zero, as it did with `inc`.
 */
function deferredChildren<L extends string>() {
  const entries: { readonly labels: Partial<Record<L, string>>; n: number }[] = []
  return {
    /** Call once per label set and keep the child: each call adds an entry. */
    child(labels: Partial<Record<L, string>>): CounterChild {
      const entry = { labels, n: 0 }
      entries.push(entry)
      return { inc: () => void entry.n++ }
    },
    flush(counter: Counter<L>): void {
      for (const entry of entries) {
        if (entry.n === 0) continue
        counter.inc(entry.labels, entry.n)
        entry.n = 0
      }
    },
  }
}

/** Prometheus metrics, on a registry of their own (so several apps can live in one process). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry })
  const httpRequestCounts = deferredChildren<'route' | 'method' | 'status'>()
  const credentialCacheCounts = deferredChildren<'result'>()
  const credentialsVendedCounts = deferredChildren<'scope' | 'cache'>()
  return {
    registry,
    httpRequests: new Counter({
      name: 'ossvend_http_requests_total',
      help: 'HTTP requests by route template (or unmatched), method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
      collect() {
        httpRequestCounts.flush(this)
      },
    }),
    /** A deferred child of httpRequests, for the per-request count. */
    httpRequestsChild: httpRequestCounts.child,
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
      collect() {
        credentialCacheCounts.flush(this)
      },
    }),
    credentialCacheChild: credentialCacheCounts.child,
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
      collect() {
        credentialsVendedCounts.flush(this)
      },
    }),
    credentialsVendedChild: credentialsVendedCounts.child,
    logins: new Counter({
      name: 'ossvend_logins_total',
      help: 'Login attempts by result (ok, failed, throttled)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
