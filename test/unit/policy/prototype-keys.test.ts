import { describe, expect, it } from 'vitest'
import { PolicyInvalidError, PolicyProbeFailedError, TemplateInvalidError } from '../../../src/errors.js'
import { checkPolicy, checkPolicyText } from '../../../src/policy/parse.js'
import { renderSessionPolicy } from '../../../src/policy/render.js'
import { parseTemplate, parseTemplateText, type PolicyTemplate } from '../../../src/policy/template.js'

// Issue 12 item 1: a "__proto__" key in a template put an inherited Condition in front of the
// validator and the probe, while the text sent to STS (JSON.stringify) had none.
const listing = (where: string) => `{
  "prefix": "\${user}/",
  "policy": { "Version": "1", "Statement": [
    { "Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:\${bucket}/\${user}/*" },
    { "Effect": "Allow", "Action": "oss:ListObjects", "Resource": "acs:oss:*:*:\${bucket}",
      ${where} }
  ] }
}`
const HIDDEN_CONDITION = listing(`"__proto__": { "Condition": { "StringLike": { "oss:Prefix": ["\${user}/*"] } } }`)
const VALUES = { user: 'alice', bucket: 'app-base-oss', account: '1234' }

describe('prototype keys never reach the engine', () => {
  it.each([
    ['a hidden Condition', HIDDEN_CONDITION, '/policy/Statement/1/__proto__'],
    ['an escaped hidden Condition', HIDDEN_CONDITION.replace('"__proto__"', '"\\u005f_proto__"'), '/policy/Statement/1/__proto__'],
    ['a hidden Effect', listing(`"constructor": { "Effect": "Deny" }`), '/policy/Statement/1/constructor'],
    ['a hidden Statement', `{ "prefix": "\${user}/", "policy": { "Version": "1", "prototype": [] } }`, '/policy/prototype'],
  ])('a template text with %s is refused at its pointer', (_what, text, pointer) => {
    let err: unknown
    try {
      parseTemplateText(text, 't')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TemplateInvalidError)
    expect((err as TemplateInvalidError).issues).toEqual([expect.objectContaining({ code: 'json.forbidden-key', pointer })])
  })

  it('a template object parsed elsewhere (own "__proto__" key) is refused too', () => {
    // JSON.parse keeps "__proto__" as an own key; that is what a caller of parseTemplate may hold.
    const raw = JSON.parse(HIDDEN_CONDITION) as unknown
    expect(() => parseTemplate(raw, 't')).toThrow(TemplateInvalidError)
  })

  it('a template object whose statement inherits a Condition is refused', () => {
    const statement = Object.create({ Condition: { StringLike: { 'oss:Prefix': ['${user}/*'] } } }) as Record<string, unknown>
    Object.assign(statement, { Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:*:${bucket}' })
    const raw = { prefix: '${user}/', policy: { Version: '1', Statement: [statement] } }
    expect(() => parseTemplate(raw, 't')).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ code: 'json.not-json', pointer: '/policy/Statement/0' })] }))
  })

  it('rendering probes the text sent to STS, not the object beside it', () => {
    // A template that skipped parseTemplate: its listing statement inherits its only confinement.
    const statement = Object.create({ Condition: { StringLike: { 'oss:Prefix': ['${user}/*'] } } }) as Record<string, unknown>
    Object.assign(statement, { Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:*:${bucket}' })
    const template: PolicyTemplate = { name: 't', description: '', prefix: '${user}/', policy: { Version: '1', Statement: [statement] } }
    expect(() => renderSessionPolicy(template, VALUES)).toThrow(PolicyProbeFailedError)
  })

  it('the policy checker refuses prototype keys and inherited members in objects', () => {
    const own = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] }
    Object.defineProperty(own.Statement[0], '__proto__', { value: { Condition: {} }, enumerable: true })
    const check = checkPolicy(own)
    expect(check.ok).toBe(false)
    if (!check.ok) expect(check.issues[0]).toMatchObject({ code: 'json.forbidden-key', pointer: '/Statement/0/__proto__' })
    expect(() => renderSessionPolicy({ name: 't', description: '', prefix: '${user}/', policy: own }, VALUES)).toThrow(PolicyInvalidError)
  })

  it('the policy text checker names the pointer', () => {
    const check = checkPolicyText('{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*","__proto__":{}}]}')
    expect(check).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'json.forbidden-key', pointer: '/Statement/0/__proto__' })] })
  })
})
