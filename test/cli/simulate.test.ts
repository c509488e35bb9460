import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

const P7 = 'policies/seed/p7-read-write-prefix.json'
const ROLE = 'policies/role/app-role.json'

describe('ossvend simulate', () => {
  it('prints Allow and the trace for an allowed request', async () => {
    const r = await runCli(['simulate', '--policy', P7, '--action', 'oss:GetObject', '--resource', 'acs:oss:cn-hangzhou:1234:app-base-oss/user1/test.txt'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Allow (identity: an Allow statement matched and no Deny did)')
    expect(r.stdout).toContain('policies/seed/p7-read-write-prefix.json#/Statement/0 Allow: matched')
  })

  it('intersects --policy (session) with --role-policy', async () => {
    // The session (P7) allows listing the bucket root; the role only allows listing below a prefix.
    const r = await runCli(['simulate', '--policy', P7, '--role-policy', ROLE, '--action', 'oss:ListObjects', '--resource', 'acs:oss:*:1234:app-base-oss', '--context', 'oss:Prefix=', '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { decision: string; layer: string; layers: { layer: string; decision: string }[] }
    expect(out.decision).toBe('ImplicitDeny')
    expect(out.layers.map((l) => [l.layer, l.decision])).toEqual([
      ['session', 'Allow'],
      ['identity', 'ImplicitDeny'],
    ])
  })

  it('reports ImplicitDeny with the reason for each statement (exit 0: a decision is data)', async () => {
    const r = await runCli(['simulate', '--policy', P7, '--action', 'oss:GetObject', '--resource', 'acs:oss:*:1234:app-base-oss/user2/a.txt'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ImplicitDeny/)
    expect(r.stdout).toContain('no Resource entry matches')
  })

  it('takes condition context, repeating a key for several values', async () => {
    const r = await runCli(['simulate', '--policy', 'policies/role/app-role.json', '--action', 'oss:ListObjects', '--resource', 'acs:oss:*:1234:app-base-oss', '--context', 'oss:Prefix=user1/', '--json'])
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'Allow' })
  })

  it('phrases the request as an OSS operation', async () => {
    const r = await runCli(['simulate', '--policy', P7, '--operation', 'CopyObject', '--bucket', 'app-base-oss', '--source-key', 'user2/a', '--key', 'user1/b', '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { decision: string; checks: { check: { role: string }; result: { decision: string } }[] }
    expect(out.decision).toBe('ImplicitDeny')
    expect(out.checks.map((c) => [c.check.role, c.result.decision])).toEqual([
      ['source', 'ImplicitDeny'],
      ['target', 'Allow'],
    ])
  })

  it('exits 2 with every issue and its JSON path for an invalid policy', async () => {
    const r = await runCli(['simulate', '--policy', 'test/fixtures/seed-text/p2-read-only.txt', '--action', 'oss:GetObject', '--resource', 'acs:oss:*:1:b/a'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[ERR_POLICY_INVALID]')
    expect(r.stderr).toContain('/Statement/0/Action/0 action.format')
    expect(r.stderr).toContain('/Version schema.enum')
  })

  it('exits 2 for an unknown operation, 64 for usage errors, 66 for a missing file', async () => {
    expect((await runCli(['simulate', '--policy', P7, '--operation', 'Teleport', '--bucket', 'b'])).code).toBe(2)
    expect((await runCli(['simulate', '--policy', P7, '--action', 'oss:GetObject'])).code).toBe(64)
    expect((await runCli(['simulate', '--policy', P7, '--bogus'])).code).toBe(64)
    expect((await runCli(['simulate', '--action', 'oss:GetObject', '--resource', 'x'])).code).toBe(64)
    expect((await runCli(['simulate', '--policy', 'nope.json', '--action', 'oss:GetObject', '--resource', 'x'])).code).toBe(66)
  })

  it('applies a bucket ACL for data operations', async () => {
    const r = await runCli(['simulate', '--policy', 'policies/seed/p4-write-only.json', '--role-policy', ROLE, '--operation', 'GetObject', '--bucket', 'app-base-oss', '--key', 'x', '--json'])
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'ImplicitDeny' })
  })
})
