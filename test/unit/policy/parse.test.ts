import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PolicyInvalidError } from '../../../src/errors.js'
import { checkPolicy, checkPolicyText, parsePolicy, parsePolicyText } from '../../../src/policy/parse.js'
import type { PolicyKind } from '../../../src/policy/types.js'
import { ROOT, loadVectorFile } from '../../helpers/vectors.js'

interface InvalidCase {
  name: string
  policy: unknown
  kind?: PolicyKind
  expectedIssues: { pointer: string; code: string }[]
  messageContains?: string
}

interface CorpusCase {
  name: string
  policy: unknown
  kind?: PolicyKind
}

const sortIssues = (issues: readonly { pointer: string; code: string }[]) =>
  issues.map(({ pointer, code }) => ({ pointer, code })).sort((a, b) => `${a.pointer} ${a.code}`.localeCompare(`${b.pointer} ${b.code}`))

const invalid = loadVectorFile<InvalidCase>('policy/parse/invalid.json')
describe(invalid.file, () => {
  it.each(invalid.cases)('rejects: $name', ({ policy, kind, expectedIssues, messageContains }) => {
    const result = checkPolicy(policy, { kind: kind ?? 'identity' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(sortIssues(result.issues)).toEqual(sortIssues(expectedIssues))
    for (const issue of result.issues) expect(issue.message.length).toBeGreaterThan(5)
    if (messageContains) expect(result.issues.map((i) => i.message).join('\n')).toContain(messageContains)
  })
})

const corpus = loadVectorFile<CorpusCase>('policy/accepted-corpus.json')
describe(corpus.file, () => {
  it.each(corpus.cases)('accepts: $name', ({ policy, kind }) => {
    const result = checkPolicy(policy, { kind: kind ?? 'identity' })
    expect(result.ok ? [] : result.issues).toEqual([])
  })

  it.each(corpus.cases)('round-trips: $name', ({ policy, kind }) => {
    // Given a parsed policy, when its normalised document is parsed again, then nothing changes
    const once = parsePolicy(policy, { kind: kind ?? 'identity' })
    const twice = parsePolicy(JSON.parse(JSON.stringify(once.document)), { kind: kind ?? 'identity' })
    expect(twice.document).toEqual(once.document)
    expect(twice.statements.length).toBe(once.statements.length)
  })
})

describe('parsePolicy', () => {
  it('throws ERR_POLICY_INVALID carrying every issue', () => {
    try {
      parsePolicy({ Version: '2', Statement: [{ Effect: 'Maybe', Action: 'oss:Nope', Resource: 'x' }] }, { name: 'bad.json' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyInvalidError)
      const e = err as PolicyInvalidError
      expect(e.code).toBe('ERR_POLICY_INVALID')
      expect(e.source).toBe('bad.json')
      expect(e.issues.map((i) => i.code).sort()).toEqual(['action.unknown', 'resource.format', 'schema.enum', 'schema.enum'])
    }
  })

  it('normalises single strings to lists', () => {
    const policy = parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] })
    expect(policy.document.Statement[0]).toEqual({ Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['*'] })
  })

  it('round-trips generated policies', () => {
    const action = fc.constantFrom('oss:GetObject', 'oss:PutObject', 'oss:List*', '*', 'kms:Decrypt', 'oss:getobject')
    const resource = fc
      .tuple(fc.constantFrom('*', '1234', '12*'), fc.constantFrom('bkt', 'app-*', 'b?t'), fc.string({ maxLength: 6 }).filter((s) => !/\s/.test(s)))
      .map(([account, bucket, key]) => `acs:oss:*:${account}:${bucket}${key === '' ? '' : `/${key}`}`)
    const statement = fc.record({
      Effect: fc.constantFrom('Allow', 'Deny'),
      Action: fc.oneof(action, fc.array(action, { minLength: 1, maxLength: 3 })),
      Resource: fc.oneof(resource, fc.array(resource, { minLength: 1, maxLength: 3 })),
    })
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), (statements) => {
        const once = parsePolicy({ Version: '1', Statement: statements })
        const twice = parsePolicy(JSON.parse(JSON.stringify(once.document)))
        expect(twice.document).toEqual(once.document)
      }),
    )
  })
})

describe('the seed texts of chapter 3.1', () => {
  const fixture = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'seed-text', `${name}.txt`), 'utf8')

  it('rejects the write-only-with-prefix text (not JSON) with its line and column, never repairing it', () => {
    const result = checkPolicyText(fixture('p5-write-only-prefix'))
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues).toEqual([
      { pointer: '', code: 'json.syntax', message: 'not valid JSON at line 10, column 5: expected ":" after the property name, found "}"' },
    ])
  })

  it('rejects the read-write text (trailing comma) with its position', () => {
    expect(() => parsePolicyText(fixture('p6-read-write'))).toThrow(PolicyInvalidError)
    const result = checkPolicyText(fixture('p6-read-write'))
    expect(result.ok || result.issues[0]?.message).toBe('not valid JSON at line 13, column 5: trailing comma before "}", found "}"')
  })

  it('rejects the read-write-with-prefix text (line break inside a string)', () => {
    const result = checkPolicyText(fixture('p7-read-write-prefix'))
    expect(result.ok || result.issues[0]?.message).toMatch(/^not valid JSON at line 13, column 68: control character/)
  })

  it('rejects the read-only text (spaces in every string) with every issue', () => {
    const result = checkPolicyText(fixture('p2-read-only'))
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(sortIssues(result.issues)).toEqual(
      sortIssues([
        { pointer: '/Version', code: 'schema.enum' },
        { pointer: '/Statement/0/Effect', code: 'schema.enum' },
        { pointer: '/Statement/0/Action/0', code: 'action.format' },
        { pointer: '/Statement/0/Action/1', code: 'action.format' },
        { pointer: '/Statement/0/Resource/0', code: 'resource.format' },
        { pointer: '/Statement/0/Resource/1', code: 'resource.format' },
      ]),
    )
  })

  it('accepts the texts that are valid as printed', () => {
    for (const name of ['p1-full-access', 'p3-read-only-prefix', 'p4-write-only']) {
      expect(checkPolicyText(fixture(name)).ok).toBe(true)
    }
  })
})
