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

const refusal = (text: string, options = {}) => {
  const result = parseJsonText(text, options)
  if (result.ok) throw new Error(`accepted ${text.slice(0, 40)}`)
  return result.issue
}

describe('parseJsonText refuses prototype keys (issue 12 item 1)', () => {
  it.each([
    ['{"__proto__": {"x": 1}}', '/__proto__'],
    ['{"a": [{"b": {"constructor": 1}}]}', '/a/0/b/constructor'],
    ['{"Statement": [{"Effect": "Allow", "prototype": {}}]}', '/Statement/0/prototype'],
    // An escaped spelling is the same key once decoded.
    ['{"\\u005f_proto__": {}}', '/__proto__'],
    ['{"a~b/c": {"__proto__": null}}', '/a~0b~1c/__proto__'],
  ])('%j is refused at %s', (text, pointer) => {
    const issue = refusal(text)
    expect(issue.code).toBe('json.forbidden-key')
    expect(issue.pointer).toBe(pointer)
  })

  it('keeps such words as values and inside longer keys', () => {
    expect(parseJsonText('{"a": "__proto__", "oss:RequestObjectTag/constructor": ["prototype"]}').ok).toBe(true)
  })

  it('never yields an object with a prototype key, for any JSON text (property)', () => {
    const hasForbidden = (v: unknown): boolean =>
      v !== null && typeof v === 'object' && Object.entries(v).some(([k, x]) => ['__proto__', 'constructor', 'prototype'].includes(k) || hasForbidden(x))
    const key = fc.constantFrom('a', '__proto__', 'constructor', 'prototype', 'b')
    const doc = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
      object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
    })).value
    fc.assert(
      fc.property(doc, (value) => {
        // JSON.stringify of a dictionary with a "__proto__" own key keeps it as text.
        const result = parseJsonText(JSON.stringify(value))
        if (result.ok) expect(hasForbidden(result.value)).toBe(false)
        else expect(result.issue.code).toBe('json.forbidden-key')
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('parseJsonText refuses duplicate keys (issue 12 item 4)', () => {
  it.each([
    ['{"a": 1, "a": 2}', '/a'],
    ['{"Statement": [{"Effect": "Allow"}, {"Effect": "Allow", "Action": "x", "Effect": "Deny"}]}', '/Statement/1/Effect'],
    ['{"a": 1, "\\u0061": 2}', '/a'],
  ])('%j is refused at %s', (text, pointer) => {
    const issue = refusal(text)
    expect(issue.code).toBe('json.duplicate-key')
    expect(issue.pointer).toBe(pointer)
  })

  it('allows the same key in sibling objects', () => {
    expect(parseJsonText('[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]').ok).toBe(true)
  })
})

describe('parseJsonText bounds size and depth (issue 12 item 3)', () => {
  it('answers 3,860 and 200,000 nested "[" with an error, not a stack overflow', () => {
    for (const depth of [3_860, 200_000]) {
      expect(refusal('['.repeat(depth)).code).toBe('json.too-deep')
      const syntax = findJsonSyntaxError('['.repeat(depth))
      expect(syntax?.message).toContain('found end of text')
    }
  })

  it('accepts nesting up to the limit and refuses one level more, naming where', () => {
    expect(parseJsonText(`${'['.repeat(64)}${']'.repeat(64)}`).ok).toBe(true)
    const issue = refusal(`{"a": ${'['.repeat(64)}${']'.repeat(64)}}`)
    expect(issue).toMatchObject({ code: 'json.too-deep', pointer: `/a${'/0'.repeat(63)}` })
    expect(refusal('{"a": {"b": {}}}', { maxDepth: 2 }).pointer).toBe('/a/b')
  })

  it('refuses text over the size limit before scanning it', () => {
    expect(refusal('"abcdef"', { maxChars: 5 })).toMatchObject({ code: 'json.too-large', message: expect.stringContaining('at most 5') })
  })

  it('agrees with JSON.parse on every document it accepts (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value)
        const result = parseJsonText(text)
        if (result.ok) expect(result.value).toEqual(JSON.parse(text))
        else expect(['json.forbidden-key', 'json.too-deep']).toContain(result.issue.code)
      }),
      { numRuns: 2_000 },
    )
  })
})
