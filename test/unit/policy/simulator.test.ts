import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePolicyText } from '../../../src/policy/parse.js'
import { renderSessionPolicy } from '../../../src/policy/render.js'
import { createSimulator } from '../../../src/policy/simulator.js'
import { parseTemplateText } from '../../../src/policy/template.js'
import { ROOT } from '../../helpers/vectors.js'

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

describe('createSimulator', () => {
  const rendered = renderSessionPolicy(parseTemplateText(read('policies/templates/read-write.json'), 'read-write'), {
    user: 'user1',
    bucket: 'app-base-oss',
    account: '1234',
  })
  const role = parsePolicyText(read('policies/role/app-role.json'), { name: 'app-role.json' })
  const sim = createSimulator({ session: [rendered.policy], identity: [role] }, { bucket: 'app-base-oss', account: '1234' })

  it('states a user scope in one line each', () => {
    sim.assertAllowed('PutObject', 'user1/photo.jpg')
    sim.assertAllowed('ListObjects', 'user1/')
    sim.assertDenied('ListObjects', '')
    sim.assertDenied('GetObject', 'user2/photo.jpg')
    sim.assertDenied('ListBuckets')
    expect(sim.allows('DeleteObject', 'user1/a')).toBe(true)
    expect(sim.allows('DeleteObject', 'user10/a')).toBe(false)
  })

  it('fails with a message that carries the trace', () => {
    expect(() => sim.assertAllowed('GetObject', 'user2/photo.jpg')).toThrow(
      /expected GetObject "user2\/photo.jpg" to be allowed, but it is ImplicitDeny[\s\S]*session policies: ImplicitDeny[\s\S]*no Resource entry matches/,
    )
    expect(() => sim.assertDenied('GetObject', 'user1/a')).toThrow(/to be denied, but it is allowed/)
  })

  it('takes full operation parameters and context', () => {
    expect(sim.allows('CopyObject', { key: 'user1/b', sourceKey: 'user1/a' })).toBe(true)
    expect(sim.allows('CopyObject', { key: 'user1/b', sourceKey: 'user2/a' })).toBe(false)
    const onlyHttps = createSimulator(
      [parsePolicyText('{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"}}}]}')],
      { bucket: 'b' },
    )
    expect(onlyHttps.allows('GetObject', 'a', { 'acs:SecureTransport': 'true' })).toBe(true)
    expect(onlyHttps.allows('GetObject', 'a', { 'acs:SecureTransport': 'false' })).toBe(false)
    expect(onlyHttps.explain('GetObject', 'a')).toContain('condition Bool acs:SecureTransport: the request has no value for the key')
  })
})
