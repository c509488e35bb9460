import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { authorize } from '../../../src/policy/authorize.js'
import { evaluate } from '../../../src/policy/evaluate.js'
import { parsePolicy } from '../../../src/policy/parse.js'
import { compileResource, splitResourceName } from '../../../src/policy/resource.js'
import type { Policy } from '../../../src/policy/types.js'
import { compileWildcard, compileWildcardAt } from '../../../src/policy/wildcard.js'

// Issue 17 (policy decision row): a decision shares the traces it made before instead of building
// new ones. These tests hold the sharing to the same answers, and show it cannot leak.

const prefixPolicy = (name: string): Policy =>
  parsePolicy(
    {
      Version: '1',
      Statement: [
        { Sid: 'own', Effect: 'Allow', Action: ['oss:GetObject', 'oss:ListObjects'], Resource: ['acs:oss:*:*:bkt/user1/*', 'acs:oss:*:*:bkt'] },
      ],
    },
    { name },
  )

const twoStatements = parsePolicy(
  {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:bkt/*' },
      { Effect: 'Deny', Action: 'oss:DeleteObject', Resource: '*', Condition: { StringNotLike: { 'acs:UserAgent': 'admin-*' } } },
    ],
  },
  { name: 'two' },
)

describe('decisions that share their traces', () => {
  it('gives the same decision and trace, field by field and as JSON, every time', () => {
    const policy = prefixPolicy('p')
    const request = { action: 'oss:GetObject', resource: 'acs:oss:*:*:bkt/user1/a.txt' }
    const first = authorize({ identity: [policy] }, request, { dataOperation: true })
    expect(first).toEqual({
      decision: 'Allow',
      layer: 'identity',
      reason: 'allowed',
      matched: [{ policy: 'p', index: 0, pointer: '/Statement/0', sid: 'own', effect: 'Allow', matched: true, reason: undefined, condition: undefined }],
      layers: [
        {
          layer: 'identity',
          decision: 'Allow',
          statements: [{ policy: 'p', index: 0, pointer: '/Statement/0', sid: 'own', effect: 'Allow', matched: true, reason: undefined, condition: undefined }],
        },
      ],
    })
    const text = JSON.stringify(first)
    for (let i = 0; i < 3; i++) {
      authorize({ identity: [policy] }, { action: 'oss:PutObject', resource: request.resource }, { dataOperation: true })
      expect(JSON.stringify(authorize({ identity: [policy] }, request, { dataOperation: true }))).toBe(text)
    }
  })

  it('freezes what it shares, so no caller can change a later decision', () => {
    const policy = prefixPolicy('p')
    const decision = authorize({ identity: [policy] }, { action: 'oss:PutObject', resource: 'acs:oss:*:*:bkt/x' }, { dataOperation: true })
    const layer = decision.layers[0]
    expect(Object.isFrozen(layer)).toBe(true)
    expect(Object.isFrozen(layer?.statements)).toBe(true)
    expect(Object.isFrozen(layer?.statements[0])).toBe(true)
    expect(() => {
      ;(layer?.statements[0] as { matched: boolean }).matched = true
    }).toThrow(TypeError)
    expect(authorize({ identity: [policy] }, { action: 'oss:PutObject', resource: 'acs:oss:*:*:bkt/x' }).layers[0]?.statements[0]?.matched).toBe(false)
  })

  it('names the policy as the caller labelled it, also for a copy under another name', () => {
    const policy = prefixPolicy('first')
    const renamed: Policy = { ...policy, name: 'second' }
    const request = { action: 'oss:GetObject', resource: 'acs:oss:*:*:bkt/user1/a' }
    expect(evaluate([policy], request).statements[0]?.policy).toBe('first')
    expect(evaluate([renamed], request).statements[0]?.policy).toBe('second')
    expect(evaluate([policy], request).statements[0]?.policy).toBe('first')
  })

  it('keeps its caches out of sight: a used policy has the keys and JSON of a fresh one', () => {
    const used = prefixPolicy('p')
    authorize({ identity: [used], session: [twoStatements] }, { action: 'oss:GetObject', resource: 'acs:oss:*:*:bkt/user1/a' })
    evaluate([twoStatements], { action: 'oss:DeleteObject', resource: 'acs:oss:*:*:bkt/a', context: { 'acs:UserAgent': 'x' } })
    expect(JSON.stringify(used)).toBe(JSON.stringify(prefixPolicy('p')))
    expect(Object.keys(used.statements[0] as object)).toEqual(Object.keys(prefixPolicy('p').statements[0] as object))
    expect(Object.keys(twoStatements.statements[1] as object)).not.toContain('outcomes')
  })

  it('traces each condition outcome of a many-statement policy as before', () => {
    const request = (agent?: string) => ({
      action: 'oss:DeleteObject',
      resource: 'acs:oss:*:*:bkt/a',
      ...(agent === undefined ? {} : { context: { 'acs:UserAgent': agent } }),
    })
    const denied = evaluate([twoStatements], request('curl'))
    expect(denied.decision).toBe('ExplicitDeny')
    expect(denied.statements[1]).toEqual({ policy: 'two', index: 1, pointer: '/Statement/1', sid: undefined, effect: 'Deny', matched: true, reason: undefined, condition: undefined })
    const admin = evaluate([twoStatements], request('admin-1'))
    expect(admin.decision).toBe('Allow')
    expect(admin.statements[1]?.condition).toEqual({ operator: 'StringNotLike', key: 'acs:UserAgent', cause: 'value-matched' })
    expect(evaluate([twoStatements], request()).decision).toBe('ExplicitDeny')
  })
})

describe('resource names matched in place', () => {
  it('reads the same parts as before', () => {
    const name = splitResourceName('acs:oss:cn-hangzhou:1234:bkt/a:b/c')
    expect(name && { service: name.service, region: name.region, account: name.account, relative: name.relative }).toEqual({
      service: 'oss',
      region: 'cn-hangzhou',
      account: '1234',
      relative: 'bkt/a:b/c',
    })
  })

  it('matches every pattern shape as matching the cut-out parts would (property)', () => {
    const part = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 6 }).map((a) => a.join(''))
    const glob = part(['a', 'b', '/', '*', '?', '1'])
    fc.assert(
      fc.property(fc.constantFrom('oss', '*'), fc.constantFrom('*', '12', '1*'), glob, part(['1', '2']), part(['a', 'b', '/', ':']), fc.constantFrom('oss', 'ecs'), (service, account, relative, reqAccount, key, reqService) => {
        const check = compileResource(`acs:${service}:*:${account}:bkt${relative}`)
        const target = splitResourceName(`acs:${reqService}:cn-hangzhou:${reqAccount}:bkt${key}`)
        if (!check.ok || !target) return
        const expected =
          compileWildcard(service)(target.service) && compileWildcard(account)(target.account) && compileWildcard(`bkt${relative}`)(target.relative)
        expect(check.pattern.matches(target)).toBe(expected)
      }),
      { numRuns: 3_000 },
    )
  })

  it('compileWildcardAt agrees with compileWildcard on the rest of the text (property)', () => {
    const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 10 }).map((a) => a.join(''))
    fc.assert(
      fc.property(text(['a', 'b', '*', '?', '\ud83d']), text(['a', 'b', '\ud83d', '\ude00']), fc.nat(12), (pattern, value, cut) => {
        const start = Math.min(cut, value.length)
        expect(compileWildcardAt(pattern)(value, start)).toBe(compileWildcard(pattern)(value.slice(start)))
      }),
      { numRuns: 3_000 },
    )
  })
})
