export type BreakerState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number
  /** How long it stays open before one probe is let through. */
  readonly openMs: number
  readonly now: () => number
  /** Told once per state change (for one log line per change, not one per refused request). */
  readonly onChange?: (state: BreakerState) => void
}

/**
 * Fails fast while STS is down: after `failureThreshold` consecutive failures the circuit opens
 * for `openMs`; then a single probe is allowed (half-open), and its outcome closes or reopens it.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions) {
  let state: BreakerState = 'closed'
  let failures = 0
  let openedAt = 0
  let probing = false

  const become = (next: BreakerState) => {
    if (next === state) return
    state = next
    options.onChange?.(next)
  }
  const current = (): BreakerState => {
    if (state === 'open' && options.now() - openedAt >= options.openMs) become('half-open')
    return state
  }

  return {
    get state(): BreakerState {
      return current()
    },
    /** True when a call may go out now; in half-open state only the first caller gets true. */
    tryAcquire(): boolean {
      const s = current()
      if (s === 'closed') return true
      if (s === 'half-open' && !probing) {
        probing = true
        return true
      }
      return false
    },
    onSuccess(): void {
      become('closed')
      failures = 0
      probing = false
    },
    onFailure(): void {
      probing = false
      failures++
      if (state === 'half-open' || failures >= options.failureThreshold) {
        openedAt = options.now()
        become('open')
      }
    },
    /** Milliseconds until a probe will be let through (0 when closed). */
    retryAfterMs(): number {
      return current() === 'open' ? Math.max(0, options.openMs - (options.now() - openedAt)) : 0
    },
  }
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>
