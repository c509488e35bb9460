import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TemplateInvalidError } from '../../../../src/errors.js'
import { parseScopeText } from '../../../../src/grant/scopes.js'
import { parseRuleSet } from '../../../../src/policy/path-rules/rule-set.js'
import { ROOT } from '../../../helpers/vectors.js'

const OSS = { oss: { bucket: 'app-base-oss', region: 'cn-hangzhou', account: '1234', buckets: { 'media-east': { region: 'cn-hangzhou' }, 'media-north': { region: 'cn-beijing' } } } }

function issuesOf(raw: unknown): { pointer: string; code: string }[] {
  try {
    parseScopeText(JSON.stringify(raw), 'rules.json', OSS)
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateInvalidError)
    return (err as TemplateInvalidError).issues.map((i) => ({ pointer: i.pointer, code: i.code }))
  }
  return []
}

const rule = (path: string, access: object = { authenticated: ['read'] }, extra: object = {}) => ({ path, access, ...extra })

describe('path rules: the grammar', () => {
  it('reads the shipped Amplify levels', () => {
    const text = readFileSync(join(ROOT, 'policies/rules/amplify-levels.json'), 'utf8')
    const source = parseScopeText(text, 'amplify-levels.json', OSS)
    expect(source.kind).toBe('rules')
    if (source.kind !== 'rules') return
    expect(source.rules.rules.map((r) => r.path)).toEqual(['public/*', 'protected/{user}/*', 'private/{user}/*'])
    expect(source.buckets).toEqual(['app-base-oss'])
  })

  it('names every bad rule with its JSON pointer and a stable code', () => {
    expect(issuesOf({ rules: [rule('media/x{user}/*'), rule('a/{claims.team}y/*')] })).toEqual([
      { pointer: '/rules/0/path', code: 'rules.placeholder-mid-segment' },
      { pointer: '/rules/1/path', code: 'rules.placeholder-mid-segment' },
    ])
    expect(issuesOf({ rules: [rule('a/*', { guest: ['read', 'rename'] })] })).toEqual([{ pointer: '/rules/0/access/guest/1', code: 'schema.enum' }])
    expect(issuesOf({ rules: [rule('a/*', { admin: ['read'] })] })).toEqual([{ pointer: '/rules/0/access/admin', code: 'schema.unknown-property' }])
    expect(issuesOf({ rules: [rule('a/*', { owner: ['read'] })] })).toEqual([{ pointer: '/rules/0/access/owner', code: 'rules.owner-without-user' }])
    expect(issuesOf({ rules: [rule('a/b.txt', { authenticated: ['read', 'list'] })] })).toEqual([{ pointer: '/rules/0/access/authenticated/1', code: 'rules.list-exact-key' }])
    expect(issuesOf({ rules: [rule('a/*/b')] })).toEqual([{ pointer: '/rules/0/path', code: 'rules.wildcard' }])
    expect(issuesOf({ rules: [rule('a/?/b')] })).toEqual([{ pointer: '/rules/0/path', code: 'rules.segment' }])
    expect(issuesOf({ rules: [rule('a//b')] })).toEqual([{ pointer: '/rules/0/path', code: 'rules.empty-segment' }])
    expect(issuesOf({ rules: [rule('/a/*')] })).toEqual([{ pointer: '/rules/0/path', code: 'rules.empty-segment' }])
    expect(issuesOf({ rules: [rule('a/../*')] })).toEqual([{ pointer: '/rules/0/path', code: 'rules.segment' }])
    expect(issuesOf({ rules: [rule('a/')] })).toEqual([{ pointer: '/rules/0/path', code: 'rules.exact-key-slash' }])
    expect(issuesOf({ rules: [rule('a/{claims.bad name}/*')] })).toEqual([{ pointer: '/rules/0/path', code: 'rules.claim-name' }])
    expect(issuesOf({ rules: [rule('a/*', { guest: ['read'] }, { colour: 'red' })] })).toEqual([{ pointer: '/rules/0/colour', code: 'schema.unknown-property' }])
    expect(issuesOf({ rules: [] })).toEqual([{ pointer: '/rules', code: 'schema.minItems' }])
  })

  it('refuses a bucket that is not configured, and a scope spanning regions', () => {
    expect(issuesOf({ rules: [rule('a/*', { authenticated: ['read'] }, { bucket: 'nowhere' })] })).toEqual([{ pointer: '/rules/0/bucket', code: 'rules.bucket-unknown' }])
    expect(issuesOf({ rules: [rule('a/*'), rule('b/*', { authenticated: ['read'] }, { bucket: 'media-east' })] })).toEqual([])
    expect(issuesOf({ rules: [rule('a/*'), rule('b/*', { authenticated: ['read'] }, { bucket: 'media-north' })] })).toEqual([{ pointer: '/rules/1/bucket', code: 'rules.regions' }])
  })

  it('refuses a rule set whose policy would pass STS\'s 2,048 characters, naming the rule that crosses it', () => {
    const rules = Array.from({ length: 40 }, (_, i) => rule(`area-number-${i}/{user}/documents/*`, { owner: ['read', 'write'], authenticated: ['list'] }))
    const issues = issuesOf({ rules })
    expect(issues).toHaveLength(1)
    expect(issues[0]?.code).toBe('rules.too-large')
    expect(issues[0]?.pointer).toMatch(/^\/rules\/\d+$/)
    const crossing = Number(issues[0]?.pointer.split('/')[2])
    expect(issuesOf({ rules: rules.slice(0, crossing) })).toEqual([])
  })

  it('is told apart from a template by its rules member', () => {
    const template = readFileSync(join(ROOT, 'policies/templates/read.json'), 'utf8')
    expect(parseScopeText(template, 'read.json', OSS).kind).toBe('template')
    expect(() => parseRuleSet({ rules: [rule('a/*')], prefix: 'x' })).toThrow(TemplateInvalidError)
  })
})
