import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CLIENT_STALE_MS, refreshMargins } from '../../../src/sts/refresh-margins.js'

describe('refreshMargins', () => {
  it('follows the lifetime: the configured shares, raised to the clients\' stale window where it fits', () => {
    expect(refreshMargins(3_600_000, 0.5, 0.25)).toEqual({ refreshBelowMs: 1_800_000, stopServingBelowMs: 960_000 })
    expect(refreshMargins(43_200_000, 0.5, 0.25)).toEqual({ refreshBelowMs: 21_600_000, stopServingBelowMs: 10_800_000 })
    expect(refreshMargins(900_000, 0.5, 0.25)).toEqual({ refreshBelowMs: 562_500, stopServingBelowMs: 450_000 })
  })

  it('for any lifetime and ratios: serves before it refreshes, never past half the lifetime for the floor, and above 15 minutes when the lifetime allows', () => {
    fc.assert(fc.property(fc.integer({ min: 900, max: 43_200 }), fc.double({ min: 0.3, max: 0.9, noNaN: true }), fc.double({ min: 0.05, max: 0.29, noNaN: true }), (sec, refresh, minServe) => {
      const lifetime = sec * 1000
      const m = refreshMargins(lifetime, refresh, minServe)
      expect(m.refreshBelowMs).toBeGreaterThan(m.stopServingBelowMs)
      expect(m.refreshBelowMs).toBeLessThan(lifetime)
      expect(m.stopServingBelowMs).toBeGreaterThanOrEqual(lifetime * minServe)
      if (lifetime >= 2 * (CLIENT_STALE_MS + 60_000)) expect(m.stopServingBelowMs).toBeGreaterThan(CLIENT_STALE_MS)
      // The mobile SDKs refetch below 5 minutes: what is served always has more than that.
      expect(m.stopServingBelowMs).toBeGreaterThanOrEqual(Math.min(lifetime / 2, CLIENT_STALE_MS))
    }))
  })
})
