import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  PolicyProbeFailedError,
  SessionPolicyTooLargeError,
  TemplateInvalidError,
  TemplateValueError,
} from '../../../src/errors.js'
import { authorizeOperation } from '../../../src/policy/operations.js'
import { MAX_SESSION_POLICY_CHARS, renderSessionPolicy } from '../../../src/policy/render.js'
import { parseTemplate, parseTemplateText, type PolicyTemplate } from '../../../src/policy/template.js'
import { ROOT, loadVectorFile } from '../../helpers/vectors.js'

const template = (name: string): PolicyTemplate =>
  parseTemplateText(readFileSync(join(ROOT, 'policies', 'templates', `${name}.json`), 'utf8'), name)

const TEMPLATES = ['read', 'write', 'read-write'] as const
const VALUES = { bucket: 'app-base-oss', account: '1234' }

interface RenderCase {
  name: string
  template: (typeof TEMPLATES)[number]
  values: { user: string; bucket: string; account: string }
  expected: { text: string; size: number; prefix: string }
}

const renders = loadVectorFile<RenderCase>('policy/render.json')
describe(renders.file, () => {
  it.each(renders.cases)('$name', ({ template: name, values, expected }) => {
    const rendered = renderSessionPolicy(template(name), values)
    expect(rendered.text).toBe(expected.text)
    expect(rendered.size).toBe(expected.size)
    expect(rendered.prefix).toBe(expected.prefix)
    expect(rendered.probe.violations).toEqual([])
  })

  it('renders deterministically: equal inputs give equal text and hash', () => {
    const a = renderSessionPolicy(template('read-write'), { ...VALUES, user: 'alice' })
    const b = renderSessionPolicy(template('read-write'), { ...VALUES, user: 'alice' })
    const c = renderSessionPolicy(template('read-write'), { ...VALUES, user: 'bob' })
    expect(b.text).toBe(a.text)
    expect(b.hash).toBe(a.hash)
    expect(c.hash).not.toBe(a.hash)
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/)
  })
})

interface HostileCase {
  name: string
  user: string
  error?: string
}

const hostile = loadVectorFile<HostileCase>('policy/hostile-ids.json')
describe(hostile.file, () => {
  it.each(hostile.cases)('$name', ({ user, error }) => {
    for (const name of TEMPLATES) {
      if (error) {
        expect(() => renderSessionPolicy(template(name), { ...VALUES, user })).toThrow(expect.objectContaining({ code: error }))
      } else {
        const rendered = renderSessionPolicy(template(name), { ...VALUES, user })
        expect(rendered.prefix).toBe(`${user}/`)
        expect(rendered.size).toBeLessThanOrEqual(MAX_SESSION_POLICY_CHARS)
      }
    }
  })

  it('names the variable and its rule, never the offending value', () => {
    try {
      renderSessionPolicy(template('read'), { ...VALUES, user: 'x","Effect":"Allow' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateValueError)
      expect((err as Error).message).toContain('${user}')
      expect((err as Error).message).not.toContain('Effect')
    }
  })

  it('checks bucket and account values too', () => {
    expect(() => renderSessionPolicy(template('read'), { user: 'a', bucket: 'app*', account: '1234' })).toThrow(TemplateValueError)
    expect(() => renderSessionPolicy(template('read'), { user: 'a', bucket: 'app-base-oss', account: '*' })).toThrow(TemplateValueError)
  })
})

describe('a rendered template never grants outside its prefix', () => {
  const hostileChar = fc.constantFrom('*', '?', '/', '.', '%', '2', 'F', '"', '\\', '$', '{', '}', ' ', '\u00e9', '\uff41', '\u200f', 'a', 'z', '0', '-', '_', 'A')
  const userId = fc.oneof(
    fc.array(hostileChar, { minLength: 0, maxLength: 12 }).map((a) => a.join('')),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.constantFrom('..', '%2F', '${user}', '*', 'a'.repeat(64), 'a'.repeat(300), 'user1', 'user10'),
  )
  const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })

  it('holds for every id: refused, or confined to "<id>/"', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEMPLATES), userId, key, (name, user, someKey) => {
        let rendered
        try {
          rendered = renderSessionPolicy(template(name), { ...VALUES, user })
        } catch (err) {
          expect(err).toBeInstanceOf(TemplateValueError)
          return
        }
        const layers = { session: [rendered.policy] }
        const params = { bucket: VALUES.bucket, account: VALUES.account }
        const prefix = `${user}/`
        // Every resource is the exact literal bucket ARN or lies under the user's prefix.
        for (const statement of rendered.policy.statements) {
          for (const resource of statement.resources) {
            expect(
              resource.text === `acs:oss:*:1234:${VALUES.bucket}` || resource.text === `acs:oss:*:1234:${VALUES.bucket}/${prefix}*`,
            ).toBe(true)
          }
        }
        for (const operation of ['GetObject', 'PutObject', 'DeleteObject']) {
          const outside = someKey.startsWith(prefix) ? `x${someKey}` : someKey
          expect(authorizeOperation(layers, operation, { ...params, key: outside }).decision).not.toBe('Allow')
        }
        const listPrefix = someKey.startsWith(prefix) ? '' : someKey
        expect(authorizeOperation(layers, 'ListObjects', { ...params, prefix: listPrefix }).decision).not.toBe('Allow')
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('the probe refuses leaky templates', () => {
  const leaky = (statements: unknown[], prefix = '${user}/') =>
    parseTemplate({ description: 'leaky', prefix, policy: { Version: '1', Statement: statements } }, 'leaky')
  const render = (t: PolicyTemplate) => renderSessionPolicy(t, { ...VALUES, user: 'user1' })
  const codesOf = (fn: () => unknown): string[] => {
    try {
      fn()
    } catch (err) {
      if (err instanceof PolicyProbeFailedError) return [...new Set(err.violations.map((v) => v.code))].sort()
      throw err
    }
    return []
  }

  it('a resource without the slash after the user id (user1* reaches user10/)', () => {
    const t = leaky([{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:${account}:${bucket}/${user}*' }])
    expect(codesOf(() => render(t))).toEqual(['probe.key-outside-prefix', 'probe.resource-outside-prefix'])
  })

  it('listing the bucket without an oss:Prefix condition', () => {
    const t = leaky([{ Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:${account}:${bucket}' }])
    expect(codesOf(() => render(t))).toEqual(['probe.list-outside-prefix', 'probe.list-unconfined'])
  })

  it('a prefix condition that is not anchored at "<id>/"', () => {
    const t = leaky([
      { Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:${account}:${bucket}', Condition: { StringLike: { 'oss:Prefix': '${user}*' } } },
    ])
    expect(codesOf(() => render(t))).toEqual(['probe.list-outside-prefix', 'probe.list-unconfined'])
  })

  it('bucket administration', () => {
    const t = leaky([{ Effect: 'Allow', Action: 'oss:*', Resource: ['acs:oss:*:${account}:${bucket}', 'acs:oss:*:${account}:${bucket}/${user}/*'] }])
    expect(codesOf(() => render(t))).toContain('probe.bucket-operation')
  })

  it('the whole account', () => {
    const t = leaky([{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:*' }])
    expect(codesOf(() => render(t))).toEqual(['probe.key-outside-prefix', 'probe.other-bucket', 'probe.resource-outside-prefix'])
  })

  it('another bucket', () => {
    const t = leaky([{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:${account}:other-bucket/${user}/*' }])
    expect(codesOf(() => render(t))).toEqual(['probe.resource-outside-prefix'])
  })

  it('Allow with NotResource', () => {
    const t = leaky([{ Effect: 'Allow', Action: 'oss:GetObject', NotResource: 'acs:oss:*:${account}:${bucket}/secret/*' }])
    expect(codesOf(() => render(t))).toContain('probe.negated-element')
  })

  it('ListBuckets', () => {
    const t = leaky([{ Effect: 'Allow', Action: 'oss:ListBuckets', Resource: 'acs:oss:*:${account}:*' }])
    expect(codesOf(() => render(t))).toContain('probe.list-buckets')
  })

  it('accepts a Deny anywhere: denials never widen', () => {
    const t = leaky([
      { Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:${account}:${bucket}/${user}/*' },
      { Effect: 'Deny', Action: 'oss:*', Resource: 'acs:oss:*:*:*' },
    ])
    expect(codesOf(() => render(t))).toEqual([])
  })
})

describe('templates', () => {
  it('refuse unknown variables, variables in keys, a foreign prefix and bad grammar, all at once', () => {
    try {
      parseTemplate(
        {
          description: 'x',
          prefix: 'shared/',
          extra: 1,
          policy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:${bucket}/${role}/*', Condition: { StringLike: { '${user}': 'x' } } }] },
        },
        't.json',
      )
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateInvalidError)
      expect((err as TemplateInvalidError).issues.map((i) => i.code).sort()).toEqual([
        'schema.unknown-property',
        'template.prefix',
        'template.variable-in-key',
        'template.variable-unknown',
      ])
    }
  })

  it('report grammar errors under /policy', () => {
    expect(() => parseTemplate({ prefix: '${user}/', policy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:Nope', Resource: '*' }] } })).toThrow(
      expect.objectContaining({ code: 'ERR_TEMPLATE_INVALID', issues: [expect.objectContaining({ pointer: '/policy/Statement/0/Action', code: 'action.unknown' })] }),
    )
  })

  it('report JSON syntax errors with line and column', () => {
    expect(() => parseTemplateText('{\n  "prefix": "${user}/",\n}')).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ code: 'json.syntax', message: expect.stringContaining('line 3, column 1') })] }),
    )
  })

  it('refuse a rendered policy over 2,048 characters, naming its size', () => {
    const actions = ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject', 'oss:ListParts', 'oss:AbortMultipartUpload']
    const statements = Array.from({ length: 12 }, () => ({ Effect: 'Allow', Action: actions, Resource: 'acs:oss:*:${account}:${bucket}/${user}/*' }))
    const t = parseTemplate({ prefix: '${user}/', policy: { Version: '1', Statement: statements } }, 'big')
    try {
      renderSessionPolicy(t, { ...VALUES, user: 'user1' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(SessionPolicyTooLargeError)
      const e = err as SessionPolicyTooLargeError
      expect(e.limit).toBe(2048)
      expect(e.size).toBeGreaterThan(2048)
      expect(e.message).toContain(String(e.size))
    }
  })

  it('keep the longest allowed id within the limit for every shipped template', () => {
    for (const name of TEMPLATES) {
      const rendered = renderSessionPolicy(template(name), { user: 'a'.repeat(63), bucket: 'b'.repeat(63), account: '9'.repeat(32) })
      expect(rendered.size).toBeLessThanOrEqual(MAX_SESSION_POLICY_CHARS)
    }
  })
})
