export interface CallPacerOptions {
  /** STS's quota for the account: AssumeRole calls per second. */
  readonly callsPerSecond: number
  /** A monotonic clock in ms (default `performance.now`): pacing is about real elapsed time. */
  readonly now?: () => number
  /**
   * How much longer than a second must separate a call from the one `callsPerSecond` calls
   * before it: slack for calls that reach STS a little later or earlier than they were sent.
   */
  readonly windowMarginMs?: number
}

interface Waiter {
  readonly resolve: (granted: boolean) => void
  readonly timer: NodeJS.Timeout | undefined
}

const DEFAULT_WINDOW_MARGIN_MS = 5

/**
 * Spreads AssumeRole calls evenly at STS's rate, so that a burst of cold users (a release day)
 * is served at the quota instead of being throttled and retried after a jittered wait.
 *
 * A token bucket of one call every `1000 / callsPerSecond` ms (a timer that fires late may be
 * caught up by one slot, no more), plus a guard for STS counting calls in fixed one-second
 * windows: a call never goes out less than a second (and the margin) after the call
 * `callsPerSecond` before it, so no window can hold more than the quota even when timers bunch
 * calls together. Callers wait in order; one whose deadline comes first leaves the queue without
 * calling. When STS throttles nonetheless, `holdFor` pauses every call for STS's `retryAfter`.
 *
 * Real STS documents 100 AssumeRole calls per second per account, not how it counts them; a
 * fixed one-second window, as the sandbox STS counts, is the strictest reading that the guard
 * satisfies (a sliding window is satisfied too).
 */
export function createCallPacer(options: CallPacerOptions) {
  const rate = options.callsPerSecond
  const clock = options.now ?? (() => performance.now())
  if (!Number.isInteger(rate) || rate < 1) throw new TypeError('"callsPerSecond" must be a positive integer')
  const intervalMs = 1000 / rate
  const windowMs = 1000 + (options.windowMarginMs ?? DEFAULT_WINDOW_MARGIN_MS)
  // The times of the last `rate` calls, oldest at `oldest` once the ring is full.
  const sent = new Float64Array(rate)
  let sentCount = 0
  let oldest = 0
  let nextSlot = -Infinity
  let holdUntil = -Infinity
  const queue: Waiter[] = []
  let pumpTimer: NodeJS.Timeout | undefined

  const earliest = () => {
    const slot = Math.max(nextSlot, holdUntil)
    return sentCount === rate ? Math.max(slot, (sent[oldest] as number) + windowMs) : slot
  }

  function grant(at: number): void {
    // On the schedule, or late by less than a slot (a timer firing late): the next slot keeps the
    // schedule; after a pause the schedule starts again from now (no burst of saved-up slots).
    nextSlot = (at - nextSlot < intervalMs ? nextSlot : at) + intervalMs
    if (sentCount < rate) {
      sent[sentCount++] = at
    } else {
      sent[oldest] = at
      oldest = (oldest + 1) % rate
    }
  }

  function pump(): void {
    if (pumpTimer !== undefined) clearTimeout(pumpTimer)
    pumpTimer = undefined
    while (queue.length > 0) {
      const now = clock()
      const at = earliest()
      if (at > now) {
        pumpTimer = setTimeout(pump, Math.ceil(at - now))
        pumpTimer.unref?.()
        return
      }
      const waiter = queue.shift() as Waiter
      if (waiter.timer !== undefined) clearTimeout(waiter.timer)
      grant(now)
      waiter.resolve(true)
    }
  }

  return {
    /**
     * Resolves true when the caller may call STS now (the call is counted), or false once
     * `maxWaitMs` have passed first, or cannot be met (nothing was counted, the caller is not queued).
     * `first` puts the caller ahead of everyone waiting: a retry of a call that already waited.
     */
    take(maxWaitMs: number, first = false): Promise<boolean> {
      const now = clock()
      const deadlineAt = now + maxWaitMs
      if (queue.length === 0 && earliest() <= now) {
        grant(now)
        return Promise.resolve(true)
      }
      // No slot can come before the deadline: fail now rather than at the deadline.
      if (deadlineAt <= now || earliest() >= deadlineAt) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          const at = queue.indexOf(waiter)
          if (at >= 0) queue.splice(at, 1)
          resolve(false)
        }, deadlineAt - now)
        timer.unref?.()
        const waiter: Waiter = { resolve, timer }
        if (first) queue.unshift(waiter)
        else queue.push(waiter)
        pump()
      })
    },
    /** No call goes out for `ms` from now (STS said so in a throttling answer). */
    holdFor(ms: number): void {
      holdUntil = Math.max(holdUntil, clock() + ms)
      if (queue.length > 0) pump()
    },
    /** Callers waiting for a slot. */
    get waiting(): number {
      return queue.length
    },
  }
}

export type CallPacer = ReturnType<typeof createCallPacer>
