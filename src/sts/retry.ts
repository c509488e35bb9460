import type { CallPacer } from './call-pacer.js'
import { StsCallError } from './types.js'

export interface RetryOptions {
  readonly maxAttempts: number
  /** Timeout of one attempt; shortened to what is left of the deadline. */
  readonly attemptTimeoutMs: number
  /** The whole call, retries and waits included, ends by then. */
  readonly deadlineMs: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly now: () => number
  readonly random: () => number
  readonly sleep: (ms: number) => Promise<void>
  /** Spreads attempts at STS's rate (a retry goes first); without it attempts go out at once. */
  readonly pacer?: CallPacer
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

/**
 * Calls STS with retries: only retryable and throttled failures are retried, with full-jitter
 * exponential backoff (`random(0, min(max, base * 2^n))`), or after STS's own `retryAfter` for
 * throttling; nothing waits past the deadline. Rejections and permission errors are thrown at once.
 * With a pacer, each attempt first waits for its slot (within the deadline), and a throttled
 * attempt holds the pacer for `retryAfter` instead of sleeping alone, so that no other call is
 * sent into the full window meanwhile.
 * @throws {StsCallError} the last failure, or `DeadlineExceeded` when no time is left.
 */
export async function callWithRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const deadline = options.now() + options.deadlineMs
  let lastError: StsCallError | undefined
  const { pacer } = options
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    const slot = pacer ? await pacer.take(deadline - options.now(), attempt > 0) : undefined
    if (pacer && !slot) break
    const left = deadline - options.now()
    try {
      if (left <= 0) break
      return await withTimeout(call(), Math.min(options.attemptTimeoutMs, left))
    } catch (err) {
      const failure = err instanceof StsCallError ? err : new StsCallError('retryable', 'Unknown', { cause: err })
      if (failure.kind === 'rejected' || failure.kind === 'forbidden') throw failure
      lastError = failure
    } finally {
      slot?.settle()
    }
    if (attempt === options.maxAttempts - 1) break
    const backoff = options.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt)
    if (pacer && lastError.kind === 'throttled') {
      pacer.holdFor(lastError.retryAfterMs !== undefined ? Math.min(lastError.retryAfterMs, options.maxDelayMs) : backoff)
      continue
    }
    const delay = lastError.kind === 'throttled' && lastError.retryAfterMs !== undefined
      ? Math.min(lastError.retryAfterMs, options.maxDelayMs) + backoff / 4
      : backoff
    if (options.now() + delay >= deadline) break
    await options.sleep(delay)
  }
  throw lastError ?? new StsCallError('retryable', 'DeadlineExceeded')
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StsCallError('retryable', 'Timeout')), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
