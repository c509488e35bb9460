import { describe, expect, it } from 'vitest'
import { carriedClaims, MAX_CARRIED_CLAIMS } from '../../../src/grant/caller-claims.js'

describe('carriedClaims: what an exchanged session keeps of an identity token', () => {
  it('keeps only the named claims whose values are usable in a key', () => {
    const token = { sub: 'u1', tenant: 'acme', dept: 'sales', team: 'a/b', region: 7, org: '' }
    expect({ ...carriedClaims(token, ['tenant', 'team', 'region', 'org', 'absent']) }).toEqual({ tenant: 'acme' })
    expect(carriedClaims(token, ['team', 'region'])).toBeUndefined()
    expect(carriedClaims(token, [])).toBeUndefined()
  })

  it('reads back what ossvend stored, refusing what is not an object of usable strings', () => {
    expect({ ...carriedClaims({ tenant: 'acme', bad: 'x'.repeat(64), 'no name!': 'a' }) }).toEqual({ tenant: 'acme' })
    for (const raw of [undefined, null, 'acme', ['acme'], 42]) expect(carriedClaims(raw)).toBeUndefined()
    expect(Object.hasOwn(carriedClaims(JSON.parse('{"__proto__":"x","a":"b"}')) ?? {}, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(carriedClaims(JSON.parse('{"__proto__":"x"}')))).toBe(null)
  })

  it('keeps at most MAX_CARRIED_CLAIMS', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, `v${i}`]))
    expect(Object.keys(carriedClaims(many, Object.keys(many)) ?? {})).toHaveLength(MAX_CARRIED_CLAIMS)
  })
})
