import { describe, expect, it } from 'vitest'
import { createCredentialCache } from '../../../src/sts/credential-cache.js'
import type { LoadedCredentials } from '../../../src/sts/credential-cache.js'

function setup(lifetimeMs = 3_600_000) {
  let now = 0
  let calls = 0
  let fail = false
  const cache = createCredentialCache({ now: () => now, refreshRatio: 0.5, minServeRatio: 0.25, maxEntries: 3 })
  const fetch = async (): Promise<LoadedCredentials> => {
    calls++
    await new Promise((r) => setTimeout(r, 5))
    if (fail) throw new Error('sts down')
    return { credentials: { accessKeyId: `STS.${calls}`, accessKeySecret: 's', securityToken: 't', expiration: '', expiresAt: now + lifetimeMs } }
  }
  return {
    cache,
    fetch,
    calls: () => calls,
    advance: (ms: number) => (now += ms),
    setFail: (f: boolean) => (fail = f),
  }
}

describe('credential cache', () => {
  it('serves hits until half the lifetime is used (3600 s credentials)', async () => {
    const s = setup()
    expect((await s.cache.get('k', s.fetch)).outcome).toBe('miss')
    s.advance(1_799_000)
    expect((await s.cache.get('k', s.fetch)).outcome).toBe('hit')
    expect(s.calls()).toBe(1)
  })

  it('with 900 s credentials, still never serves less than half the lifetime (above the mobile SDKs\' 5 minutes)', async () => {
    const s = setup(900_000)
    await s.cache.get('k', s.fetch)
    s.advance(337_000)
    expect((await s.cache.get('k', s.fetch)).outcome).toBe('hit')
    s.advance(100_000)
    expect((await s.cache.get('k', s.fetch)).outcome).toBe('refresh')
    await new Promise((r) => setTimeout(r, 20))
    expect(s.calls()).toBe(2)
  })

  it('serves the old credentials while one background refresh runs, then the new ones', async () => {
    const s = setup()
    await s.cache.get('k', s.fetch)
    s.advance(2_000_000)
    const during = await Promise.all([s.cache.get('k', s.fetch), s.cache.get('k', s.fetch)])
    expect(during.map((r) => [r.outcome, r.credentials.accessKeyId])).toEqual([['refresh', 'STS.1'], ['refresh', 'STS.1']])
    await new Promise((r) => setTimeout(r, 20))
    expect(s.calls()).toBe(2)
    expect((await s.cache.get('k', s.fetch)).credentials.accessKeyId).toBe('STS.2')
  })

  it('keeps serving until the minimum lifetime when the refresh fails, then fails', async () => {
    const s = setup()
    await s.cache.get('k', s.fetch)
    s.setFail(true)
    s.advance(2_600_000)
    expect((await s.cache.get('k', s.fetch)).credentials.accessKeyId).toBe('STS.1')
    await new Promise((r) => setTimeout(r, 20))
    // 16 minutes left: @alicloud/credentials would call a session with 15 or less stale.
    s.advance(41_000)
    await expect(s.cache.get('k', s.fetch)).rejects.toThrow('sts down')
  })

  it('never serves credentials with less than the minimum lifetime left', async () => {
    const s = setup()
    await s.cache.get('k', s.fetch)
    s.advance(2_641_000)
    const fresh = await s.cache.get('k', s.fetch)
    expect(fresh.outcome).toBe('miss')
    expect(fresh.credentials.accessKeyId).toBe('STS.2')
  })

  it('coalesces concurrent misses into one call and does not cache failures', async () => {
    const s = setup()
    s.setFail(true)
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => s.cache.get('k', s.fetch)))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    expect(s.calls()).toBe(1)
    s.setFail(false)
    await Promise.all(Array.from({ length: 50 }, () => s.cache.get('k', s.fetch)))
    expect(s.calls()).toBe(2)
  })

  it('keeps at most maxEntries keys, evicting the least recently stored', async () => {
    const s = setup()
    for (const k of ['a', 'b', 'c', 'd']) await s.cache.get(k, s.fetch)
    expect(s.cache.size).toBe(3)
    await s.cache.get('a', s.fetch)
    expect(s.calls()).toBe(5)
  })
})
