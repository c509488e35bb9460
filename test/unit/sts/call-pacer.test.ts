import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createCallPacer } from '../../../src/sts/call-pacer.js'

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})

afterEach(() => {
  vi.useRealTimers()
})

const now = () => Date.now()

type Pacer = ReturnType<typeof createCallPacer>

/** One call that ends as soon as it is granted: true when it was granted. */
async function call(pacer: Pacer, maxWaitMs: number, first = false): Promise<boolean> {
  const slot = await pacer.take(maxWaitMs, first)
  slot?.settle()
  return slot !== undefined
}

/** Takes `count` slots at once (calls that end at once) and records when each was granted (or -1 when refused). */
function takeAll(pacer: Pacer, count: number, maxWaitMs = 60_000) {
  const granted: number[] = Array.from({ length: count }, () => -2)
  const done = Array.from({ length: count }, (_, i) =>
    call(pacer, maxWaitMs).then((ok) => {
      granted[i] = ok ? Date.now() : -1
    }),
  )
  return { granted, done: Promise.all(done) }
}

describe('createCallPacer', () => {
  it('lets the quota through at once, then each call a second (and the margin) after the one a quota before it, in order', async () => {
    // Given 250 callers at once and a quota of 100 calls per second
    const pacer = createCallPacer({ callsPerSecond: 100, now, windowMarginMs: 10 })
    const { granted, done } = takeAll(pacer, 250)
    // When time passes
    await vi.advanceTimersByTimeAsync(3000)
    await done
    // Then the first 100 go at 0, the next 100 at 1010, the last 50 at 2020
    expect(granted.slice(0, 100).every((t) => t === 0)).toBe(true)
    expect(granted.slice(100, 200).every((t) => t === 1010)).toBe(true)
    expect(granted.slice(200).every((t) => t === 2020)).toBe(true)
    for (let i = 100; i < granted.length; i++) expect((granted[i] as number) - (granted[i - 100] as number)).toBeGreaterThanOrEqual(1010)
  })

  it('keeps every sliding second to the quota when calls come at random times', async () => {
    // Given a quota of 5 per second and 60 callers arriving at random times over 4 seconds
    const pacer = createCallPacer({ callsPerSecond: 5, now, windowMarginMs: 0 })
    const granted: number[] = []
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const arrivals = Array.from({ length: 60 }, () => Math.floor(random() * 4000)).sort((a, b) => a - b)
    const all: Promise<unknown>[] = []
    for (const at of arrivals) {
      await vi.advanceTimersByTimeAsync(at - Date.now())
      all.push(call(pacer, 60_000).then((ok) => ok && granted.push(Date.now())))
    }
    await vi.advanceTimersByTimeAsync(20_000)
    await Promise.all(all)
    // Then all were granted, and no window of a second holds more than 5
    expect(granted).toHaveLength(60)
    for (let i = 5; i < granted.length; i++) expect((granted[i] as number) - (granted[i - 5] as number)).toBeGreaterThanOrEqual(1000)
  })

  it('lets a call through at once when nothing is waiting and the rate allows it', async () => {
    const pacer = createCallPacer({ callsPerSecond: 10, now })
    expect(await call(pacer, 0)).toBe(true)
    vi.advanceTimersByTime(100)
    expect(await call(pacer, 0)).toBe(true)
  })

  it('keeps a second-long window to the quota even when calls bunch after a pause', async () => {
    // Given a quota of 2 per second, a call at 0 and one at 600 ms
    const pacer = createCallPacer({ callsPerSecond: 2, now, windowMarginMs: 10 })
    expect(await call(pacer, 0)).toBe(true)
    vi.advanceTimersByTime(600)
    expect(await call(pacer, 0)).toBe(true)
    // When a third comes at 1000 ms
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
    expect(await call(pacer, 0)).toBe(true)
    // When one caller may wait 500 ms and the next 5 s
    const impatient = call(pacer, 500)
    const patient = call(pacer, 5000)
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
    expect(await call(pacer, 0)).toBe(true)
    expect(await call(pacer, 200)).toBe(false)
    expect(pacer.waiting).toBe(0)
  })

  it('holds every call for a throttling answer, and lets a retry go ahead of the queue', async () => {
    // Given a quota of 1 per second, its slot used, a caller waiting, and a throttling answer saying 1300 ms
    const pacer = createCallPacer({ callsPerSecond: 1, now, windowMarginMs: 0 })
    expect(await call(pacer, 0)).toBe(true)
    const order: string[] = []
    const waiting = call(pacer, 5000).then(() => order.push(`waiting at ${Date.now()}`))
    pacer.holdFor(1300)
    const retry = call(pacer, 5000, true).then(() => order.push(`retry at ${Date.now()}`))
    // When time passes
    await vi.advanceTimersByTimeAsync(3000)
    await Promise.all([waiting, retry])
    // Then nothing went before 1300 ms, the retry went first, and the waiting caller a second later
    expect(order).toEqual(['retry at 1300', 'waiting at 2300'])
  })

  it('counts a second from when a call ended, and waits while it runs, so a late arrival at STS cannot crowd a window', async () => {
    // Given a quota of 2 per second and two calls granted at 0, the first ending at 300 ms, the second still running
    const pacer = createCallPacer({ callsPerSecond: 2, now, windowMarginMs: 10 })
    const first = await pacer.take(0)
    const second = await pacer.take(0)
    const { granted, done } = takeAll(pacer, 2)
    await vi.advanceTimersByTimeAsync(300)
    first?.settle()
    // When the second ends at 2000 ms
    await vi.advanceTimersByTimeAsync(1700)
    second?.settle()
    await vi.advanceTimersByTimeAsync(2000)
    await done
    // Then the third went a second and the margin after the first ended, the fourth after the second ended
    expect(granted).toEqual([1310, 3010])
    // and a settle said twice, or for a slot since reused, changes nothing
    first?.settle()
    expect(pacer.waiting).toBe(0)
  })

  it('queues a caller while the call a quota back is still running, rather than refusing it', async () => {
    const pacer = createCallPacer({ callsPerSecond: 1, now, windowMarginMs: 0 })
    const running = await pacer.take(0)
    const waiting = pacer.take(5000)
    expect(pacer.waiting).toBe(1)
    await vi.advanceTimersByTimeAsync(100)
    running?.settle()
    await vi.advanceTimersByTimeAsync(1000)
    expect(await waiting).toBeDefined()
    expect(Date.now()).toBe(1100)
  })

  it('refuses a rate that is not a positive integer', () => {
    expect(() => createCallPacer({ callsPerSecond: 0 })).toThrow(TypeError)
  })
})
