import { describe, expect, it } from 'vitest'
// The soak of bench/soak.mjs, shortened to 60 seconds; `node bench/soak.mjs` runs the 10-minute one.
import { runSoak } from '../../bench/soak.mjs'

describe('soak: 60 seconds of mixed traffic, STS failing 20% of calls', () => {
  it('loses no callback, answers no 5xx but the documented 503, logs no secret, and does not grow its heap', async () => {
    const result = await runSoak({ seconds: 60 })
    console.log(`soak: ${JSON.stringify(result)}`)
    expect(result.operations).toBeGreaterThan(1000)
    expect(result.uploads).toBeGreaterThan(100)
    expect(result.stsFaults).toBeGreaterThan(0)
    expect(result.unexpected).toEqual([])
    expect(result.callbacksLost).toBe(0)
    expect(result.callbacksAnswered).toBe(result.uploads)
    expect(result.callbacksListed).toBeGreaterThan(0)
    expect(result.secretsChecked).toBeGreaterThan(USERS_AT_LEAST)
    expect(result.secretsInLogs).toBe(0)
    expect(result.heapGrowth).toBeLessThanOrEqual(0.1)
  }, 150_000)
})

const USERS_AT_LEAST = 30
