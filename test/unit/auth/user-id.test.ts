import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BUILT_IN_USER_ID, namespacedUserId, providerOf, USER_ID } from '../../../src/auth/user-id.js'
import { TEMPLATE_VARIABLES } from '../../../src/policy/template.js'
import { deriveRoleSessionName } from '../../../src/sts/session-name.js'

const providerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => n !== 'local')
const visibleAscii = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 255 })
// Subjects that look like ids, hashes, built-in names and near misses, so collisions would be found.
const subject = fc.oneof(
  visibleAscii,
  fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,70}$/),
  fc.stringMatching(/^_[0-9a-f]{40}$/),
  fc.stringMatching(/^[A-Za-z0-9._|@-]{1,50}$/),
)

describe('namespaced user ids', () => {
  it('are injective: two different (provider, subject) pairs never share an id', () => {
    fc.assert(
      fc.property(providerName, subject, providerName, subject, (p1, s1, p2, s2) => {
        fc.pre(p1 !== p2 || s1 !== s2)
        expect(namespacedUserId(p1, s1)).not.toBe(namespacedUserId(p2, s2))
      }),
      { numRuns: 5000 },
    )
  })

  it('never equal a built-in id, fit the template and session name rules, and name their provider', () => {
    fc.assert(
      fc.property(providerName, subject, (p, s) => {
        const id = namespacedUserId(p, s)
        expect(BUILT_IN_USER_ID.test(id)).toBe(false)
        expect(USER_ID.test(id)).toBe(true)
        expect(TEMPLATE_VARIABLES.user.pattern.test(id)).toBe(true)
        expect(deriveRoleSessionName(id)).toMatch(/^[A-Za-z0-9.@_-]{2,64}$/)
        expect(providerOf(id)).toBe(p)
      }),
      { numRuns: 3000 },
    )
  })

  it('keep plain subjects readable and hash the rest, so a hash cannot be spelled', () => {
    expect(namespacedUserId('google', 'alice')).toBe('google.alice')
    expect(namespacedUserId('google', 'Alice')).toMatch(/^google\._[0-9a-f]{40}$/)
    const hashed = namespacedUserId('google', 'auth0|42')
    const spelled = hashed.slice('google.'.length)
    expect(namespacedUserId('google', spelled)).not.toBe(hashed)
    expect(providerOf('alice')).toBe('local')
  })

  it('refuse subjects outside visible ASCII or longer than 255 characters, and the local provider', () => {
    for (const bad of ['', 'a b', 'ä', 'a\u0000', 'x'.repeat(256)]) expect(() => namespacedUserId('google', bad)).toThrow(RangeError)
    expect(() => namespacedUserId('local', 'alice')).toThrow(TypeError)
  })
})
