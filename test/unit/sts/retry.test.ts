import { describe, expect, it } from 'vitest'
import type { CallPacer } from '../../../src/sts/call-pacer.js'
import { callWithRetry, type RetryOptions } from '../../../src/sts/retry.js'
import { StsCallError } from '../../../src/sts/types.js'

function harness(overrides: Partial<RetryOptions> = {}) {
  let now = 0
  const sleeps: number[] = []
  const options: RetryOptions = {
    maxAttempts: 3,
    attemptTimeoutMs: 1000,
    deadlineMs: 3000,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    now: () => now,
    random: Math.random,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
    ...overrides,
  }
  return { options, sleeps, tick: (ms: number) => (now += ms) }
}

describe('callWithRetry', () => {
  it('retries 5xx twice and then succeeds, with jittered delays under the cap', async () => {
    const { options, sleeps } = harness()
    let calls = 0
    const result = await callWithRetry(async () => {
      calls++
      if (calls < 3) throw new StsCallError('retryable', 'ServiceUnavailable')
      return 'ok'
    }, options)
    expect(result).toBe('ok')
    expect(calls).toBe(3)
    expect(sleeps).toHaveLength(2)
    expect(sleeps[0]).toBeLessThanOrEqual(100)
    expect(sleeps[1]).toBeLessThanOrEqual(200)
  })

  it('draws different delays on different runs (full jitter)', async () => {
    const delays = new Set<number>()
    for (let i = 0; i < 20; i++) {
      const { options, sleeps } = harness()
      await callWithRetry(async () => {
        if (sleeps.length === 0) throw new StsCallError('retryable', 'Timeout')
        return 1
      }, options)
      delays.add(Math.round(sleeps[0] as number))
    }
    expect(delays.size).toBeGreaterThan(10)
  })

  it('waits for retryAfter on throttling', async () => {
    const { options, sleeps } = harness({ random: () => 0 })
    let calls = 0
    await callWithRetry(async () => {
      if (calls++ === 0) throw new StsCallError('throttled', 'Throttling.User', { retryAfterMs: 800 })
      return 1
    }, options)
    expect(sleeps).toEqual([800])
  })

  it('never retries a rejected parameter or a permission error', async () => {
    for (const kind of ['rejected', 'forbidden'] as const) {
      const { options } = harness()
      let calls = 0
      await expect(callWithRetry(async () => {
        calls++
        throw new StsCallError(kind, 'X')
      }, options)).rejects.toMatchObject({ kind })
      expect(calls).toBe(1)
    }
  })

  it('gives up within the deadline, without sleeping past it', async () => {
    const { options, sleeps } = harness({ deadlineMs: 250, maxAttempts: 10, random: () => 1 })
    let calls = 0
    await expect(callWithRetry(async () => {
      calls++
      throw new StsCallError('retryable', 'ServiceUnavailable')
    }, options)).rejects.toMatchObject({ stsCode: 'ServiceUnavailable' })
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(250)
    expect(calls).toBeLessThan(10)
  })

  it('times out a hanging attempt', async () => {
    const { options } = harness({ attemptTimeoutMs: 50, deadlineMs: 120, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) })
    const started = Date.now()
    await expect(callWithRetry(() => new Promise(() => undefined), options)).rejects.toMatchObject({ stsCode: 'Timeout' })
    expect(Date.now() - started).toBeLessThan(1000)
  })
  it('with a pacer: each attempt takes a slot, a throttled one holds the pacer and its retry goes first', async () => {
    // Given a pacer that grants every slot and records what it is told
    const told: string[] = []
    const pacer: CallPacer = {
      take: async (maxWaitMs, first) => {
        told.push(`take ${maxWaitMs} ${first ? 'first' : 'in turn'}`)
        const attempt = told.filter((t) => t.startsWith('take')).length
        return { settle: () => told.push(`settle ${attempt}`) }
      },
      holdFor: (ms) => {
        told.push(`hold ${ms}`)
      },
      waiting: 0,
    }
    const { options, sleeps } = harness({ pacer })
    let calls = 0
    // When STS throttles the first attempt
    const result = await callWithRetry(async () => {
      if (calls++ === 0) throw new StsCallError('throttled', 'Throttling.User', { retryAfterMs: 800 })
      return 'ok'
    }, options)
    // Then the pacer, not a private sleep, makes the retry wait, and hears when each attempt ended
    expect(result).toBe('ok')
    expect(told).toEqual(['take 3000 in turn', 'settle 1', 'hold 800', 'take 3000 first', 'settle 2'])
    expect(sleeps).toEqual([])
  })

  it('with a pacer: a caller whose deadline passes in the queue gets DeadlineExceeded and STS is not called', async () => {
    const pacer: CallPacer = { take: async () => undefined, holdFor: () => undefined, waiting: 1 }
    const { options } = harness({ pacer })
    let calls = 0
    await expect(callWithRetry(async () => {
      calls++
      return 1
    }, options)).rejects.toMatchObject({ kind: 'retryable', stsCode: 'DeadlineExceeded' })
    expect(calls).toBe(0)
  })
})
