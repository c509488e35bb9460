import { describe, expect, it } from 'vitest'
import { sequentialIds } from '../../../src/lib/sequential-ids.js'

describe('sequentialIds', () => {
  it('gives the prefix and a counter of a fixed width, unique until it wraps', () => {
    const next = sequentialIds('AB-', 2)
    const ids = Array.from({ length: 257 }, () => next())
    expect(ids.slice(0, 3)).toEqual(['AB-00', 'AB-01', 'AB-02'])
    expect(new Set(ids.slice(0, 256)).size).toBe(256)
    expect(ids[255]).toBe('AB-ff')
    expect(ids[256]).toBe('AB-00')
  })
})
