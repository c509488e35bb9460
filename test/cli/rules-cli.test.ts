import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('ossvend render and simulate on a path-rules scope', () => {
  it('render shows the compiled policy, its size against 2,048 and the proof table', async () => {
    const r = await runCli(['render', '--scope', 'levels', '--user', 'alice'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('"acs:oss:*:1234:app-base-oss/private/alice/*"')
    expect(r.stdout).toMatch(/scope levels, user alice, prefix protected\/alice\/: \d+ of 2048 characters, sha256 [0-9a-f]{64}/)
    expect(r.stdout).toMatch(/proof: \d+ decisions of the policy equal the rules' own \(0 differ\)/)
    expect(r.stdout).toMatch(/\/rules\/1 +authenticated +write +app-base-oss\/protected\/probe-other\/x\.txt +deny +deny +ok/)
    expect(r.stdout).toMatch(/\/rules\/2 +owner +list +app-base-oss\/private\/alice\/ +allow +allow +ok/)
    expect(r.stdout).not.toContain('DIFFERS')
  })

  it('render --json for a guest: the guest role only', async () => {
    const r = await runCli(['render', '--scope', 'levels', '--user', 'guest.0123456789abcdef0123456789abcdef', '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { size: number; limit: number; policy: unknown; probe: { violations: unknown[]; table: { role: string; verb: string; rules: boolean }[] } }
    expect(out.limit).toBe(2048)
    expect(out.size).toBe(JSON.stringify(out.policy).length)
    expect(out.probe.violations).toEqual([])
    expect(new Set(out.probe.table.map((row) => row.role))).toEqual(new Set(['guest']))
    expect(out.probe.table.filter((row) => row.rules).map((row) => row.verb).sort()).toEqual(['list', 'read'])
  })

  it('simulate --scope decides on the compiled policy and prints the same report', async () => {
    const denied = await runCli(['simulate', '--scope', 'levels', '--user', 'bob', '--operation', 'PutObject', '--key', 'protected/alice/x.txt'])
    expect(denied.code).toBe(0)
    expect(denied.stdout).toMatch(/scope levels, user bob, .* of 2048 characters/)
    expect(denied.stdout).toContain('ImplicitDeny')
    const allowed = await runCli(['simulate', '--scope', 'levels', '--user', 'bob', '--operation', 'GetObject', '--key', 'protected/alice/x.txt', '--json'])
    const out = JSON.parse(allowed.stdout) as { decision: string; scope: { size: number; limit: number } }
    expect(out.decision).toBe('Allow')
    expect(out.scope.limit).toBe(2048)
    const both = await runCli(['simulate', '--scope', 'levels', '--policy', 'policies/seed/p1-full-access.json', '--user', 'bob', '--operation', 'GetObject', '--key', 'a'])
    expect(both.code).toBe(64)
  })
})
