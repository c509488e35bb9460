import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lintPolicy } from '../../src/policy/lint.js'
import { parsePolicyText } from '../../src/policy/parse.js'
import { parseTemplateText } from '../../src/policy/template.js'
import { parseScopeText } from '../../src/grant/scopes.js'
import { ROOT } from '../helpers/vectors.js'

const dir = (d: string) => readdirSync(join(ROOT, 'policies', d)).filter((f) => f.endsWith('.json'))
const text = (d: string, f: string) => readFileSync(join(ROOT, 'policies', d, f), 'utf8')

describe('policies/', () => {
  it('holds the seven seed policies, valid', () => {
    expect(dir('seed')).toHaveLength(7)
    for (const f of dir('seed')) expect(() => parsePolicyText(text('seed', f), { name: f })).not.toThrow()
  })

  it('lints the prefix policies P3 and P7 for listing without oss:Prefix, as the seed notes say', () => {
    for (const f of ['p3-read-only-prefix.json', 'p7-read-write-prefix.json']) {
      expect(lintPolicy(parsePolicyText(text('seed', f))).map((w) => w.code)).toEqual(['lint.list-without-prefix'])
    }
  })

  it('has a role policy and templates that lint clean', () => {
    for (const f of dir('role')) expect(lintPolicy(parsePolicyText(text('role', f)))).toEqual([])
    expect(dir('templates').sort()).toEqual(['read-write.json', 'read.json', 'write.json'])
    for (const f of dir('templates')) expect(() => parseTemplateText(text('templates', f), f)).not.toThrow()
  })

  it('has path rules that compile, fit and prove', () => {
    const oss = { oss: { bucket: 'app-base-oss', region: 'cn-hangzhou', account: '1234' } }
    expect(dir('rules')).toContain('amplify-levels.json')
    for (const f of dir('rules')) expect(parseScopeText(text('rules', f), f, oss).kind).toBe('rules')
  })
})
