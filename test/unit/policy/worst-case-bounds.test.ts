import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { authorize } from '../../../src/policy/authorize.js'
import {
  checkPolicy,
  checkPolicyText,
  MAX_CONDITION_SEARCHES,
  MAX_POLICY_CHARS,
  MAX_RESOURCE_SEARCHES,
  parsePolicy,
} from '../../../src/policy/parse.js'
import { compileWildcard, matchWildcardMetered, searchPasses, type StepMeter } from '../../../src/policy/wildcard.js'

// Issue 12 item 3, at the size limits. No test here measures time: each counts matcher steps,
// or checks that input beyond a cap is refused with its code and pointer.

/** Reference: the glob as a RegExp over code points (fine for the short inputs of a property). */
function regexGlob(pattern: string): RegExp {
  let source = '^'
  for (const char of pattern) {
    if (char === '*') source += '[\\s\\S]*'
    else if (char === '?') source += '[\\s\\S]'
    else source += char.replace(/[.+^${}()|[\]\\/]/g, '\\$&')
  }
  return new RegExp(`${source}$`, 'u')
}

function steps(pattern: string, value: string): { steps: number; matched: boolean } {
  const meter: StepMeter = { steps: 0 }
  const matched = matchWildcardMetered(pattern, value, meter)
  return { steps: meter.steps, matched }
}

/** A policy document whose compact JSON is exactly `chars` long (padding in a Sid). */
function policyOfSize(chars: number, statement: Record<string, unknown> = { Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }): string {
  const base = JSON.stringify({ Version: '1', Statement: [{ Sid: '', ...statement }] })
  return JSON.stringify({ Version: '1', Statement: [{ Sid: 'x'.repeat(chars - base.length), ...statement }] })
}

describe('policy size caps per kind (RAM 6,144 characters, OSS bucket policy 16 KB)', () => {
  it('accepts a RAM or session policy of 6,144 characters and refuses one more, as text and as a value', () => {
    const atCap = policyOfSize(MAX_POLICY_CHARS.identity)
    expect(atCap.length).toBe(6_144)
    expect(checkPolicyText(atCap).ok).toBe(true)
    const over = policyOfSize(MAX_POLICY_CHARS.identity + 1)
    expect(checkPolicyText(over)).toEqual({ ok: false, issues: [expect.objectContaining({ pointer: '', code: 'json.too-large' })] })
    expect(checkPolicy(JSON.parse(over))).toEqual({ ok: false, issues: [expect.objectContaining({ pointer: '', code: 'json.too-large' })] })
  })

  it('accepts a bucket policy of 16,384 characters and refuses one more', () => {
    const statement = { Effect: 'Allow', Principal: ['*'], Action: 'oss:GetObject', Resource: '*' }
    expect(checkPolicyText(policyOfSize(16_384, statement), { kind: 'bucket' }).ok).toBe(true)
    const over = checkPolicyText(policyOfSize(16_385, statement), { kind: 'bucket' })
    expect(over).toEqual({ ok: false, issues: [expect.objectContaining({ pointer: '', code: 'json.too-large' })] })
    if (!over.ok) expect(over.issues[0]?.message).toContain('16384')
  })

  it('refuses invalid JSON of maximal depth at the bucket cap by depth, and one character more by size', () => {
    const deepest = '['.repeat(MAX_POLICY_CHARS.bucket)
    expect(checkPolicyText(deepest, { kind: 'bucket' })).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'json.too-deep' })] })
    expect(checkPolicyText(`${deepest}[`, { kind: 'bucket' })).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'json.too-large' })] })
  })
})

describe('searches a policy may ask for', () => {
  it('counts one pass per pattern with text between two "*", per 32 characters of its longest such run', () => {
    expect(searchPasses('abc')).toBe(0)
    expect(searchPasses('*')).toBe(0)
    expect(searchPasses('user1/*')).toBe(0)
    expect(searchPasses('*.jpg')).toBe(0)
    expect(searchPasses('a*b')).toBe(0)
    expect(searchPasses('a?b')).toBe(0)
    expect(searchPasses('**')).toBe(0)
    expect(searchPasses('*x*')).toBe(1)
    expect(searchPasses('a*b*c*d')).toBe(1)
    expect(searchPasses(`*${'?'.repeat(33)}*`)).toBe(2)
    expect(searchPasses(`*${'x'.repeat(64)}*y*`)).toBe(2)
  })

  const like = (values: string[]) => ({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*', Condition: { StringLike: { 'acs:UserAgent': values } } }],
  })

  it(`accepts ${MAX_CONDITION_SEARCHES} searching StringLike values and refuses the next one with its pointer`, () => {
    const values = Array.from({ length: MAX_CONDITION_SEARCHES + 3 }, (_, i) => `*agent-${i}*`)
    expect(checkPolicy(like(values.slice(0, MAX_CONDITION_SEARCHES))).ok).toBe(true)
    const check = checkPolicy(like(values))
    expect(check).toEqual({
      ok: false,
      issues: [expect.objectContaining({ pointer: `/Statement/0/Condition/StringLike/acs:UserAgent/${MAX_CONDITION_SEARCHES}`, code: 'pattern.too-many-searches' })],
    })
  })

  it('counts searches across statements and StringNotLike, and never counts patterns that need none', () => {
    const cheap = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `a${i}*` : i % 3 === 1 ? `*${i}.jpg` : `a?${i}`))
    const policy = (notLike: number) => ({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:GetObject', Resource: '*', Condition: { StringLike: { 'acs:UserAgent': [...cheap, ...Array.from({ length: 10 }, (_, i) => `*x${i}*`)] } } },
        { Effect: 'Deny', Action: 'oss:GetObject', Resource: '*', Condition: { StringNotLike: { 'oss:Prefix': Array.from({ length: notLike }, (_, i) => `*y${i}*`) } } },
      ],
    })
    expect(checkPolicy(policy(7))).toEqual({
      ok: false,
      issues: [expect.objectContaining({ pointer: '/Statement/1/Condition/StringNotLike/oss:Prefix/6', code: 'pattern.too-many-searches' })],
    })
    expect(checkPolicy(policy(6)).ok).toBe(true)
  })

  it(`accepts ${MAX_RESOURCE_SEARCHES} searching Resource entries and refuses the next one with its pointer`, () => {
    const entries = Array.from({ length: MAX_RESOURCE_SEARCHES + 1 }, (_, i) => `acs:oss:*:*:bkt/*/d${i}/*`)
    const policy = (list: string[]) => ({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: ['acs:oss:*:*:bkt/u/*', ...list] }] })
    expect(checkPolicy(policy(entries.slice(0, -1))).ok).toBe(true)
    expect(checkPolicy(policy(entries))).toEqual({
      ok: false,
      issues: [expect.objectContaining({ pointer: `/Statement/0/Resource/${MAX_RESOURCE_SEARCHES + 1}`, code: 'pattern.too-many-searches' })],
    })
  })

  it('still decides as before with every search the caps allow', () => {
    const values = Array.from({ length: MAX_CONDITION_SEARCHES }, (_, i) => `*a${'?'.repeat(i)}b*`)
    const policy = parsePolicy(like(values))
    const decide = (agent: string) => authorize({ identity: [policy] }, { action: 'oss:GetObject', resource: 'acs:oss:*:1:bkt/k', context: { 'acs:UserAgent': agent } }).decision
    expect(decide('a'.repeat(16_000))).toBe('ImplicitDeny')
    expect(decide(`${'a'.repeat(16_000)}${'x'.repeat(15)}b`)).toBe('Allow')
  })
})

describe('the UTF-16 matcher', () => {
  const SHAPES: [string, string, (n: number) => string][] = [
    ['a "?" segment', `*a${'?'.repeat(20)}b?c*`, (n) => `${'a'.repeat(n)}cb`],
    ['a "?" segment of two words', `*a${'?'.repeat(40)}b*`, (n) => 'a'.repeat(n)],
    ['short literal segments', '*a*a*aab*c*', (n) => `${'a'.repeat(n)}cb`],
    ['a literal longer than a word', `*${'a'.repeat(40)}b*`, (n) => 'a'.repeat(n)],
  ]

  it.each(SHAPES)('%s: doubling the value at most doubles the steps', (_name, pattern, value) => {
    for (const n of [4_000, 8_000]) {
      const small = steps(pattern, value(n))
      const large = steps(pattern, value(2 * n))
      expect(small.matched).toBe(false)
      expect(small.steps).toBeGreaterThanOrEqual(n)
      expect(large.steps).toBeLessThanOrEqual(2.2 * small.steps)
      // At most two words of state per character, plus the pattern.
      expect(large.steps).toBeLessThanOrEqual(2 * 2 * n + 4 * pattern.length)
    }
  })

  it('agrees with a RegExp glob on random patterns and longer values (property)', () => {
    const patternChar = fc.constantFrom('a', 'b', 'c', '*', '?', '?', '/', '\u00e9')
    const valueChar = fc.constantFrom('a', 'b', 'c', '/', '\u00e9')
    fc.assert(
      fc.property(fc.array(patternChar, { maxLength: 48 }), fc.array(valueChar, { maxLength: 80 }), (p, v) => {
        const pattern = p.join('')
        const value = v.join('')
        const expected = regexGlob(pattern).test(value)
        expect(compileWildcard(pattern)(value)).toBe(expected)
        expect(steps(pattern, value).matched).toBe(expected)
      }),
      { numRuns: 4_000 },
    )
  })

  it('agrees with a RegExp glob on astral characters and lone surrogates (property)', () => {
    const chars = ['a', '?', '*', '\u{1F600}', '\ud83d', '\ude00', 'b']
    const text = (list: string[], max: number) => fc.array(fc.constantFrom(...list), { maxLength: max }).map((a) => a.join(''))
    fc.assert(
      fc.property(text(chars, 10), text(chars.filter((c) => c !== '*' && c !== '?'), 14), (pattern, value) => {
        expect(compileWildcard(pattern)(value)).toBe(regexGlob(pattern).test(value))
      }),
      { numRuns: 3_000 },
    )
  })

  it('matches a long "?" segment that ends exactly at the value end', () => {
    const pattern = `*x${'?'.repeat(33)}*`
    expect(compileWildcard(pattern)(`${'a'.repeat(100)}x${'b'.repeat(33)}`)).toBe(true)
    expect(compileWildcard(pattern)(`${'a'.repeat(100)}x${'b'.repeat(32)}`)).toBe(false)
  })
})
