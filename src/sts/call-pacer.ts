export interface CallPacerOptions {
  /** STS's quota for the account: AssumeRole calls per second. */
  readonly callsPerSecond: number
  /** A monotonic clock in ms (default `performance.now`): pacing is about real elapsed time. */
  readonly now?: () => number
  /** How much longer than a second must separate a call from the end of the one a quota before it. */
  readonly windowMarginMs?: number
}

interface Waiter {
  readonly resolve: (slot: PacerSlot | undefined) => void
  readonly timer: NodeJS.Timeout | undefined
}

const DEFAULT_WINDOW_MARGIN_MS = 10

/** A granted call: `settle` when it has ended (answered, failed or timed out). */
export interface PacerSlot {
  settle(): void
}

/**
 * Keeps AssumeRole calls within STS's quota, so that a burst of cold users (a release day) is
 * served at the quota instead of being throttled and retried after a wait.
 *
 * A call never goes out less than a second (and a margin) after every call `callsPerSecond` or
 * more grants before it has ended. A call reaches STS before it ends, so however late or early
 * each one arrives (the first on a new connection takes the longest), no one-second window at
 * STS, sliding or fixed, holds more than the quota. Up to the quota goes out at once: calls spaced
 * evenly would leave each window's last calls for its end, and a slot lost to a timer firing late
 * would then cost a whole further window. Callers wait in order; one whose deadline comes first
 * leaves the queue without calling. When STS throttles nonetheless, `holdFor` pauses every call
 * for STS's `retryAfter`.
 *
 * Real STS documents 100 AssumeRole calls per second per account, not how it counts them; the
 * sandbox STS counts fixed one-second windows from the first call after the last window.
 */
export function createCallPacer(options: CallPacerOptions) {
  const rate = options.callsPerSecond
  const clock = options.now ?? (() => performance.now())
  if (!Number.isInteger(rate) || rate < 1) throw new TypeError('"callsPerSecond" must be a positive integer')
  const windowMs = 1000 + (options.windowMarginMs ?? DEFAULT_WINDOW_MARGIN_MS)
  // Grant n uses ring position n % rate: when the call there ended (Infinity while it runs). A
  // position is granted again only once its call has ended, so each slot settles only its own.
  const ended = new Float64Array(rate)
  let granted = 0
  // The latest end among the calls `rate` or more grants back.
  let endedBefore = -Infinity
  let holdUntil = -Infinity
  const queue: Waiter[] = []
  let pumpTimer: NodeJS.Timeout | undefined

  /** When the next grant may go out: Infinity while the call a quota back has not ended. */
  function earliest(): number {
    if (granted < rate) return holdUntil
    const end = ended[granted % rate] as number
    return Math.max(holdUntil, Math.max(endedBefore, end) + windowMs)
  }

  function grant(): PacerSlot {
    const position = granted % rate
    if (granted >= rate) endedBefore = Math.max(endedBefore, ended[position] as number)
    granted++
    ended[position] = Infinity
    let settled = false
    return {
      settle() {
        if (settled) return
        settled = true
        ended[position] = clock()
        if (queue.length > 0) pump()
      },
    }
  }

  function pump(): void {
    if (pumpTimer !== undefined) clearTimeout(pumpTimer)
    pumpTimer = undefined
    while (queue.length > 0) {
      const now = clock()
      const at = earliest()
      // Still running: its settle pumps again.
      if (at === Infinity) return
      if (at > now) {
        pumpTimer = setTimeout(pump, Math.ceil(at - now))
        pumpTimer.unref?.()
        return
      }
      const waiter = queue.shift() as Waiter
      if (waiter.timer !== undefined) clearTimeout(waiter.timer)
      waiter.resolve(grant())
    }
  }

  return {
    /**
     * Resolves with a slot when the caller may call STS now (settle it when the call ends), or
     * undefined once `maxWaitMs` have passed first, or cannot be met (nothing was counted, the
     * caller is not queued). `first` puts the caller ahead of everyone waiting: a retry of a call
     * that already waited.
     */
    take(maxWaitMs: number, first = false): Promise<PacerSlot | undefined> {
      const now = clock()
      const deadlineAt = now + maxWaitMs
      const at = earliest()
      if (queue.length === 0 && at <= now) return Promise.resolve(grant())
      // No slot can come before the deadline: fail now rather than at the deadline.
      if (deadlineAt <= now || (at !== Infinity && at >= deadlineAt)) return Promise.resolve(undefined)
      return new Promise<PacerSlot | undefined>((resolve) => {
        const timer = setTimeout(() => {
          const index = queue.indexOf(waiter)
          if (index >= 0) queue.splice(index, 1)
          resolve(undefined)
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
