import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePolicyText } from '../../../src/policy/parse.js'
import { renderSessionPolicy } from '../../../src/policy/render.js'
import { createSimulator } from '../../../src/policy/simulator.js'
import { parseTemplateText } from '../../../src/policy/template.js'
import { ROOT } from '../../helpers/vectors.js'

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const rendered = renderSessionPolicy(parseTemplateText(read('policies/templates/read-write.json'), 'read-write'), {
  user: 'user1',
  bucket: 'app-base-oss',
  account: '1234',
})

describe('createSimulator defaults', () => {
  it('assumes the bucket and account the policy was rendered with', () => {
    const sim = createSimulator(rendered)
    expect(sim.target).toEqual({ bucket: 'app-base-oss', account: '1234', region: '*' })
    sim.assertAllowed('PutObject', 'user1/photo.jpg')
    sim.assertAllowed('GetObject', 'user1/photo.jpg')
  })

  it('takes a rendered policy as the session layer beside the role policy', () => {
    const role = parsePolicyText(read('policies/role/app-role.json'), { name: 'app-role.json' })
    const sim = createSimulator({ session: rendered, identity: [role] })
    sim.assertAllowed('PutObject', 'user1/photo.jpg')
    sim.assertDenied('GetObject', 'user2/photo.jpg', { decision: 'ImplicitDeny', layer: 'session' })
  })

  it('lets options override what the rendering said, and then denies for that reason', () => {
    const elsewhere = createSimulator(rendered, { account: '9999' })
    expect(elsewhere.allows('GetObject', 'user1/photo.jpg')).toBe(false)
  })

  it('needs a bucket when the policies were not rendered', () => {
    expect(() => createSimulator([rendered.policy])).toThrow(/needs options\.bucket/)
  })
})

describe('assertDenied with the expected reason', () => {
  const sim = createSimulator(rendered)
  const denyAll = createSimulator([parsePolicyText('{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","Resource":"*"},{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}')], { bucket: 'b' })

  it('passes only when the denial is the one named', () => {
    sim.assertDenied('ListObjects', '', 'ImplicitDeny')
    sim.assertDenied('ListObjects', '', 'session-not-allowed')
    denyAll.assertDenied('GetObject', 'a', 'ExplicitDeny')
    denyAll.assertDenied('GetObject', 'a', { reason: 'explicit-deny', layer: 'identity' })
  })

  it('fails when the request is denied for another reason than the one expected', () => {
    expect(() => denyAll.assertDenied('GetObject', 'a', 'ImplicitDeny')).toThrow(/to be denied with \{"decision":"ImplicitDeny"\}, but it is ExplicitDeny \(explicit-deny, identity layer\)/)
    expect(() => sim.assertDenied('ListObjects', '', 'ExplicitDeny')).toThrow(/but it is ImplicitDeny/)
  })

  it('catches the mistake the README once made: a simulator for the wrong account', () => {
    const wrongAccount = createSimulator({ session: [rendered.policy] }, { bucket: 'app-base-oss' })
    // Without a reason, the denial of an upload into user1's own prefix would pass unnoticed.
    wrongAccount.assertDenied('PutObject', 'user2/photo.jpg')
    expect(() => wrongAccount.assertAllowed('PutObject', 'user1/photo.jpg')).toThrow(/ImplicitDeny/)
  })

  it('refuses an expectation it cannot read, so a context object is not mistaken for one', () => {
    expect(() => sim.assertDenied('ListObjects', '', 'NoSuchReason' as never)).toThrow(TypeError)
    expect(() => sim.assertDenied('ListObjects', '', { 'acs:SourceIp': '10.0.0.1' } as never)).toThrow(/fourth argument/)
  })
})
