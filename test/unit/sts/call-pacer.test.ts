import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createCallPacer } from '../../../src/sts/call-pacer.js'

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})

afterEach(() => {
  vi.useRealTimers()
})

const now = () => Date.now()

/** Takes `count` slots at once and records when each was granted (or -1 when refused). */
function takeAll(pacer: ReturnType<typeof createCallPacer>, count: number, maxWaitMs = 60_000) {
  const granted: number[] = Array.from({ length: count }, () => -2)
  const done = Array.from({ length: count }, (_, i) =>
    pacer.take(maxWaitMs).then((ok) => {
      granted[i] = ok ? Date.now() : -1
    }),
  )
  return { granted, done: Promise.all(done) }
}

describe('createCallPacer', () => {
  it('spreads a burst evenly at the rate, in order, with no second window holding more than the rate', async () => {
    // Given 250 callers at once and a quota of 100 calls per second
    const pacer = createCallPacer({ callsPerSecond: 100, now, windowMarginMs: 10 })
    const { granted, done } = takeAll(pacer, 250)
    // When time passes
    await vi.advanceTimersByTimeAsync(5000)
    await done
    // Then each goes about 10 ms after the one before, in the order they came
    expect(granted.every((t) => t >= 0)).toBe(true)
    for (let i = 1; i < granted.length; i++) expect(granted[i]).toBeGreaterThanOrEqual(granted[i - 1] as number)
    for (let i = 100; i < granted.length; i++) expect((granted[i] as number) - (granted[i - 100] as number)).toBeGreaterThanOrEqual(1010)
    expect(granted[0]).toBe(0)
    expect(granted[50]).toBeGreaterThanOrEqual(500)
    expect(granted[249]).toBeLessThan(2600)
  })

  it('lets a call through at once when nothing is waiting and the rate allows it', async () => {
    const pacer = createCallPacer({ callsPerSecond: 10, now })
    expect(await pacer.take(0)).toBe(true)
    vi.advanceTimersByTime(100)
    expect(await pacer.take(0)).toBe(true)
  })

  it('keeps a second-long window to the quota even when calls bunch after a pause', async () => {
    // Given a quota of 2 per second, a call at 0 and one at 600 ms
    const pacer = createCallPacer({ callsPerSecond: 2, now, windowMarginMs: 10 })
    expect(await pacer.take(0)).toBe(true)
    vi.advanceTimersByTime(600)
    expect(await pacer.take(0)).toBe(true)
    // When a third comes at 1000 ms (its even slot)
    vi.advanceTimersByTime(400)
    const { granted, done } = takeAll(pacer, 1)
    await vi.advanceTimersByTimeAsync(100)
    await done
    // Then it waits until a second (and the margin) after the first
    expect(granted[0]).toBe(1010)
  })

  it('gives up on a caller whose wait ends in the queue, without counting it', async () => {
    // Given a quota of 1 per second, one slot used
    const pacer = createCallPacer({ callsPerSecond: 1, now, windowMarginMs: 0 })
    expect(await pacer.take(0)).toBe(true)
    // When one caller may wait 500 ms and the next 5 s
    const impatient = pacer.take(500)
    const patient = pacer.take(5000)
    await vi.advanceTimersByTimeAsync(600)
    // Then the first leaves the queue empty-handed and the second gets the slot at 1 s
    expect(await impatient).toBe(false)
    expect(pacer.waiting).toBe(1)
    await vi.advanceTimersByTimeAsync(400)
    expect(await patient).toBe(true)
    expect(Date.now()).toBe(1000)
  })

  it('refuses at once when no slot can come within the wait', async () => {
    const pacer = createCallPacer({ callsPerSecond: 1, now })
    expect(await pacer.take(0)).toBe(true)
    expect(await pacer.take(200)).toBe(false)
    expect(pacer.waiting).toBe(0)
  })

  it('holds every call for a throttling answer, and lets a retry go ahead of the queue', async () => {
    // Given a caller waiting and a throttling answer saying 300 ms
    const pacer = createCallPacer({ callsPerSecond: 100, now })
    expect(await pacer.take(0)).toBe(true)
    const order: string[] = []
    const waiting = pacer.take(5000).then(() => order.push(`waiting at ${Date.now()}`))
    pacer.holdFor(300)
    const retry = pacer.take(5000, true).then(() => order.push(`retry at ${Date.now()}`))
    // When time passes
    await vi.advanceTimersByTimeAsync(400)
    await Promise.all([waiting, retry])
    // Then nothing went before 300 ms, and the retry went first
    expect(order).toEqual(['retry at 300', 'waiting at 310'])
  })

  it('refuses a rate that is not a positive integer', () => {
    expect(() => createCallPacer({ callsPerSecond: 0 })).toThrow(TypeError)
  })
})
