import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigInvalidError, TemplateInvalidError } from '../../../src/errors.js'
import { loadConfig } from '../../../src/config/load.js'
import { parseNumber } from '../../../src/policy/condition/numeric.js'
import { evaluate } from '../../../src/policy/evaluate.js'
import { checkPolicy, checkPolicyText, MAX_POLICY_TEXT_CHARS, parsePolicy } from '../../../src/policy/parse.js'
import { parseTemplateText } from '../../../src/policy/template.js'
import { MAX_ANY_ONE_SEGMENT, matchWildcard, matchWildcardMetered, type StepMeter } from '../../../src/policy/wildcard.js'

// Issue 12 item 3. No test here measures time: each counts steps, or checks that input beyond a
// bound is refused with a clear error instead of being worked on.

function steps(pattern: string, value: string): { steps: number; matched: boolean } {
  const meter: StepMeter = { steps: 0 }
  const matched = matchWildcardMetered(pattern, value, meter)
  return { steps: meter.steps, matched }
}

const ADVERSARIAL: [string, string, (n: number) => string][] = [
  ['"?" segment (issue: pattern x value)', `*${'a?'.repeat(100)}b*`, (n) => 'a'.repeat(n)],
  ['long literal segment on a near-miss', `*${'a'.repeat(200)}b*`, (n) => 'a'.repeat(n)],
  ['many stars (the regex blow-up shape)', `${'*a'.repeat(8)}*b`, (n) => 'a'.repeat(n)],
  ['many "?" segments', `*${'a?*'.repeat(300)}b`, (n) => 'a'.repeat(n)],
  ['"?" segment at the limit, astral characters', `*${'\u{1F600}?'.repeat(MAX_ANY_ONE_SEGMENT / 2)}x*`, (n) => '\u{1F600}'.repeat(n)],
]

describe('wildcard matching is linear in the value', () => {
  it.each(ADVERSARIAL)('%s: doubling the value at most doubles the steps', (_name, pattern, value) => {
    for (const n of [2_000, 8_000]) {
      const small = steps(pattern, value(n))
      const large = steps(pattern, value(2 * n))
      expect(small.matched).toBe(false)
      expect(large.steps).toBeLessThanOrEqual(2.2 * small.steps + 2 * pattern.length)
      // Absolute bound: a few steps per value character per 32 pattern characters, plus the pattern.
      const words = Math.ceil(MAX_ANY_ONE_SEGMENT / 32)
      expect(large.steps).toBeLessThanOrEqual(3 * 2 * n * words + 4 * pattern.length)
    }
  })

  it('agrees with the compiled matcher on random patterns and values (property)', () => {
    const char = fc.constantFrom('a', 'b', '*', '?', '/', '\u{1F600}')
    fc.assert(
      fc.property(fc.array(char, { maxLength: 10 }), fc.array(fc.constantFrom('a', 'b', '/', '\u{1F600}'), { maxLength: 14 }), (p, v) => {
        const pattern = p.join('')
        const value = v.join('')
        expect(steps(pattern, value).matched).toBe(matchWildcard(pattern, value))
      }),
      { numRuns: 3_000 },
    )
  })

  it(`refuses a "?" run longer than ${MAX_ANY_ONE_SEGMENT} characters in a policy, with its pointer`, () => {
    const long = `acs:oss:*:*:bkt/${'?'.repeat(MAX_ANY_ONE_SEGMENT + 1)}`
    const check = checkPolicy({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:GetObject', Resource: long },
        { Effect: 'Allow', Action: 'oss:ListObjects', Resource: '*', Condition: { StringLike: { 'acs:UserAgent': `*${'x?'.repeat(200)}*` } } },
      ],
    })
    expect(check.ok).toBe(false)
    if (!check.ok) {
      expect(check.issues).toEqual([
        expect.objectContaining({ pointer: '/Statement/0/Resource', code: 'pattern.too-complex' }),
        expect.objectContaining({ pointer: '/Statement/1/Condition/StringLike/acs:UserAgent', code: 'condition.value' }),
      ])
    }
    // At the limit it is accepted and matches as it should.
    const atLimit = parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:*:bkt/${'?'.repeat(MAX_ANY_ONE_SEGMENT - 10)}` }] })
    const decide = (key: string) => evaluate([atLimit], { action: 'oss:GetObject', resource: `acs:oss:*:1:bkt/${key}` }).decision
    expect(decide('k'.repeat(MAX_ANY_ONE_SEGMENT - 10))).toBe('Allow')
    expect(decide('k'.repeat(MAX_ANY_ONE_SEGMENT - 9))).toBe('ImplicitDeny')
  })
})

describe('numbers in conditions', () => {
  it('reads the same numbers as before, with one reading per digit (property)', () => {
    const reference = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
    fc.assert(
      fc.property(fc.stringMatching(/^[-+0-9.eE ]{0,12}$/), (text) => {
        const t = text.trim()
        expect(parseNumber(text)).toBe(reference.test(t) ? Number(t) : undefined)
      }),
      { numRuns: 3_000 },
    )
  })

  it('refuses a policy number longer than 64 characters, and an 8 KB request value is simply no number', () => {
    const check = checkPolicy({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*', Condition: { NumericLessThan: { 'acs:UserAgent': `${'1'.repeat(5_000)}x` } } }],
    })
    expect(check.ok).toBe(false)
    if (!check.ok) expect(check.issues[0]).toMatchObject({ code: 'condition.value', pointer: '/Statement/0/Condition/NumericLessThan/acs:UserAgent' })
    expect(parseNumber('1'.repeat(8_192))).toBeUndefined()
    const policy = parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*', Condition: { NumericLessThan: { 'acs:UserAgent': '10' } } }] })
    const decision = evaluate([policy], { action: 'oss:GetObject', resource: 'acs:oss:*:1:bkt/a', context: { 'acs:UserAgent': `${'1'.repeat(8_192)}x` } })
    expect(decision.decision).toBe('ImplicitDeny')
  })
})

describe('policy, template and configuration text is bounded', () => {
  const nested = '['.repeat(3_860)

  it('3,860 nested "[" are an error naming the depth, never a stack overflow', () => {
    expect(checkPolicyText(nested)).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'json.too-deep' })] })
    expect(() => parseTemplateText(`{"policy": ${nested}`)).toThrow(TemplateInvalidError)
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-deep-'))
    writeFileSync(join(dir, 'config.json'), `{"oss": ${nested}`)
    return expect(loadConfig({ path: join(dir, 'config.json'), env: {} })).rejects.toThrow(ConfigInvalidError)
  })

  it(`refuses policy text over ${MAX_POLICY_TEXT_CHARS} characters before reading it`, () => {
    const statement = { Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:bkt/k' }
    const big = JSON.stringify({ Version: '1', Statement: new Array(400).fill(statement) })
    expect(big.length).toBeGreaterThan(MAX_POLICY_TEXT_CHARS)
    expect(checkPolicyText(big)).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'json.too-large' })] })
    expect(checkPolicy(JSON.parse(big))).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'json.too-large' })] })
  })

  it('never throws on any text or any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 6 })), (text) => {
        const check = checkPolicyText(text)
        expect(typeof check.ok).toBe('boolean')
      }),
      { numRuns: 2_000 },
    )
    const statement = fc.record(
      {
        Effect: fc.constantFrom('Allow', 'Deny', 'allow'),
        Action: fc.oneof(fc.constantFrom('oss:GetObject', 'oss:*', '*', 'oss:Get?bject'), fc.string({ maxLength: 12 })),
        Resource: fc.oneof(fc.constantFrom('*', 'acs:oss:*:*:bkt/*', 'acs:oss:*:*:bkt/u?/*'), fc.string({ maxLength: 20 })),
        Condition: fc.dictionary(fc.constantFrom('StringLike', 'NumericLessThan', 'IpAddress', 'Bool', 'x'), fc.dictionary(fc.constantFrom('oss:Prefix', 'acs:SourceIp', 'acs:UserAgent'), fc.oneof(fc.string({ maxLength: 10 }), fc.integer())), { maxKeys: 2 }),
      },
      { requiredKeys: ['Effect'] },
    )
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 3 }), fc.string({ maxLength: 30 }), (statements, value) => {
        const check = checkPolicy({ Version: '1', Statement: statements })
        if (check.ok) {
          const decision = evaluate([check.policy], { action: 'oss:GetObject', resource: `acs:oss:*:1:bkt/${value}`, context: { 'oss:Prefix': value, 'acs:SourceIp': value, 'acs:UserAgent': value } })
          expect(['Allow', 'ImplicitDeny', 'ExplicitDeny']).toContain(decision.decision)
        } else expect(check.issues.length).toBeGreaterThan(0)
      }),
      { numRuns: 2_000 },
    )
  })
})
