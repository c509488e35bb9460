import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileWildcard, matchWildcard } from '../../../src/policy/wildcard.js'
import { loadVectorFile } from '../../helpers/vectors.js'

interface WildcardCase {
  name: string
  pattern: string
  value: string
  matches: boolean
}

/** Reference matcher: dynamic programming over code points, obviously correct and slow. */
function referenceMatch(pattern: string, value: string): boolean {
  const p = Array.from(pattern)
  const v = Array.from(value)
  let row = new Array<boolean>(v.length + 1).fill(false)
  row[0] = true
  for (const token of p) {
    const next = new Array<boolean>(v.length + 1).fill(false)
    if (token === '*') {
      next[0] = row[0] as boolean
      for (let j = 1; j <= v.length; j++) next[j] = (row[j] as boolean) || (next[j - 1] as boolean)
    } else {
      for (let j = 1; j <= v.length; j++) next[j] = (row[j - 1] as boolean) && (token === '?' || token === v[j - 1])
    }
    row = next
  }
  return row[v.length] as boolean
}

const vectors = loadVectorFile<WildcardCase>('policy/wildcard.json')

describe(vectors.file, () => {
  it.each(vectors.cases)('$name', ({ pattern, value, matches }) => {
    expect(matchWildcard(pattern, value)).toBe(matches)
    expect(referenceMatch(pattern, value)).toBe(matches)
  })
})

describe('compileWildcard', () => {
  const alphabet = ['a', 'b', '/', '*', '?', '\u00e9', '\ud83d\ude00']
  const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((a) => a.join(''))

  it('agrees with the reference on every small pattern and value', () => {
    fc.assert(
      fc.property(text(alphabet), text(alphabet.filter((c) => c !== '*' && c !== '?').concat(['*', '?'])), (pattern, value) => {
        expect(compileWildcard(pattern)(value)).toBe(referenceMatch(pattern, value))
      }),
      { numRuns: 20_000 },
    )
  })

  it('agrees with the reference on arbitrary unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }), (pattern, value) => {
        expect(compileWildcard(pattern)(value)).toBe(referenceMatch(pattern, value))
      }),
      { numRuns: 5_000 },
    )
  })

  it('treats a pattern with no wildcard as an exact literal', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('*') && !s.includes('?')), fc.string(), (literal, other) => {
        expect(matchWildcard(literal, literal)).toBe(true)
        expect(matchWildcard(literal, other)).toBe(literal === other)
      }),
    )
  })

  it('answers an adversarial pattern on a long value without blowing up', () => {
    // Given a pattern that makes backtracking matchers exponential
    const pattern = `${'a*'.repeat(40)}b`
    const value = 'a'.repeat(100_000)
    // When it is matched, then the answer is right (timing is measured in bench/, not here)
    expect(matchWildcard(pattern, value)).toBe(false)
    expect(matchWildcard(pattern, `${value}b`)).toBe(true)
  })
})
