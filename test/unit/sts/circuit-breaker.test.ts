import { describe, expect, it } from 'vitest'
import { createCircuitBreaker } from '../../../src/sts/circuit-breaker.js'

describe('circuit breaker', () => {
  it('opens after consecutive failures, lets one probe through after the wait, and closes on success', () => {
    let now = 0
    const breaker = createCircuitBreaker({ failureThreshold: 3, openMs: 1000, now: () => now })
    for (let i = 0; i < 3; i++) {
      expect(breaker.tryAcquire()).toBe(true)
      breaker.onFailure()
    }
    expect(breaker.state).toBe('open')
    expect(breaker.tryAcquire()).toBe(false)
    expect(breaker.retryAfterMs()).toBe(1000)
    now += 1000
    expect(breaker.state).toBe('half-open')
    expect(breaker.tryAcquire()).toBe(true)
    expect(breaker.tryAcquire()).toBe(false)
    breaker.onSuccess()
    expect(breaker.state).toBe('closed')
  })

  it('reopens when the probe fails, and a success resets the count', () => {
    let now = 0
    const breaker = createCircuitBreaker({ failureThreshold: 2, openMs: 100, now: () => now })
    breaker.onFailure()
    breaker.onSuccess()
    breaker.onFailure()
    expect(breaker.state).toBe('closed')
    breaker.onFailure()
    expect(breaker.state).toBe('open')
    now += 100
    expect(breaker.tryAcquire()).toBe(true)
    breaker.onFailure()
    expect(breaker.state).toBe('open')
  })
})
