import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deriveRoleSessionName } from '../../../src/sts/session-name.js'

const userId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,62}$/)

describe('deriveRoleSessionName', () => {
  it('keeps within STS rules: 2-64 characters of [A-Za-z0-9.@_-]', () => {
    fc.assert(
      fc.property(userId, (id) => {
        expect(deriveRoleSessionName(id)).toMatch(/^[A-Za-z0-9.@_-]{2,64}$/)
      }),
    )
  })

  it('is deterministic and never the same for two users', () => {
    fc.assert(
      fc.property(userId, userId, (a, b) => {
        expect(deriveRoleSessionName(a)).toBe(deriveRoleSessionName(a))
        if (a !== b) expect(deriveRoleSessionName(a)).not.toBe(deriveRoleSessionName(b))
      }),
      { numRuns: 5000 },
    )
  })

  it('keeps short ids readable and hashes long ones', () => {
    expect(deriveRoleSessionName('alice')).toBe('u-alice')
    expect(deriveRoleSessionName('a'.repeat(62))).toBe(`u-${'a'.repeat(62)}`)
    const long = deriveRoleSessionName('a'.repeat(63))
    expect(long).toMatch(/^h-a+\.[A-Za-z0-9]{24}$/)
    expect(long.length).toBeLessThanOrEqual(64)
    expect(deriveRoleSessionName(`${'a'.repeat(62)}b`)).not.toBe(long)
  })

  it('refuses an id outside the user id charset', () => {
    expect(() => deriveRoleSessionName('a/b')).toThrow(TypeError)
    expect(() => deriveRoleSessionName('A')).toThrow(TypeError)
    expect(deriveRoleSessionName('google.alice')).toBe('u-google.alice')
  })
})
