import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findJsonSyntaxError, parseJsonText } from '../../../src/lib/parse-json.js'

const accepts = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe('findJsonSyntaxError', () => {
  it('accepts exactly what JSON.parse accepts (mutated JSON documents)', () => {
    const mutate = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '\n', '\\', ' ', 'x', '{', '['))
    fc.assert(
      fc.property(mutate, ([json, at, insert]) => {
        const pos = json.length === 0 ? 0 : at % (json.length + 1)
        const text = json.slice(0, pos) + insert + json.slice(pos + (insert === '' ? 1 : 0))
        expect(findJsonSyntaxError(text) === undefined).toBe(accepts(text))
      }),
      { numRuns: 5_000 },
    )
  })

  it('accepts exactly what JSON.parse accepts (arbitrary strings)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        expect(findJsonSyntaxError(text) === undefined).toBe(accepts(text))
      }),
      { numRuns: 5_000 },
    )
  })

  it.each([
    ['{"a": 1,}', 'line 1, column 9: trailing comma before "}"'],
    ['[1, 2,]', 'line 1, column 7: trailing comma before "]"'],
    ['{\n  "a" 1\n}', 'line 2, column 7: expected ":" after the property name'],
    ['{"a": "x\ny"}', 'line 1, column 9: control character'],
    ['{"a": tru}', 'line 1, column 7: expected a value'],
    ['{"a": 1} x', 'line 1, column 10: unexpected text after the JSON value'],
    ['', 'line 1, column 1: expected a value, found end of text'],
    ['{"a": "\\q"}', 'line 1, column 9: invalid escape'],
  ])('locates the fault in %j', (text, expected) => {
    const result = parseJsonText(text)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.issue.message).toContain(expected)
  })
})
