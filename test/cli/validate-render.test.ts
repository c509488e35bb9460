import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('ossvend validate', () => {
  it('passes every file in policies/ (exit 0), listing warnings', async () => {
    const r = await runCli(['validate', 'policies'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('valid   policies/templates/read-write.json (template)')
    expect(r.stdout).toContain('valid   policies/referer/example.json (referer)')
    expect(r.stdout).toContain('lint.list-without-prefix')
    expect(r.stdout).not.toContain('INVALID')
  })

  it('exits 1 when any file is invalid, naming line and column for broken JSON', async () => {
    const r = await runCli(['validate', 'test/fixtures/seed-text/p5-write-only-prefix.txt', 'policies/seed/p1-full-access.json'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('INVALID test/fixtures/seed-text/p5-write-only-prefix.txt')
    expect(r.stdout).toContain('json.syntax: not valid JSON at line 10, column 5')
  })

  it('prints JSON with --json', async () => {
    const r = await runCli(['validate', '--json', 'test/fixtures/seed-text/p3-read-only-prefix.txt'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      valid: true,
      files: [
        {
          file: 'test/fixtures/seed-text/p3-read-only-prefix.txt',
          kind: 'policy',
          valid: true,
          errors: [],
          warnings: [
            expect.objectContaining({ pointer: '/Statement/0/Resource/1', code: 'lint.resource-matches-nothing' }),
          ],
        },
      ],
    })
  })

  it('needs a file (64) and reports a missing one (66)', async () => {
    expect((await runCli(['validate'])).code).toBe(64)
    expect((await runCli(['validate', 'missing.json'])).code).toBe(66)
  })
})

describe('ossvend render', () => {
  it('prints the policy a user would get, its size and the probe', async () => {
    const r = await runCli(['render', '--scope', 'read', '--user', 'alice'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('"acs:oss:*:1234:app-base-oss/alice/*"')
    expect(r.stdout).toMatch(/scope read, user alice, prefix alice\/: \d+ of 2048 characters, sha256 [0-9a-f]{64}/)
    expect(r.stdout).toContain('allowed inside: GetObject, ListObjects')
  })

  it('prints JSON with --json', async () => {
    const r = await runCli(['render', '--scope', 'write', '--user', 'bob', '--json'])
    const out = JSON.parse(r.stdout) as { prefix: string; size: number; policy: unknown; probe: { violations: unknown[] } }
    expect(out.prefix).toBe('bob/')
    expect(out.size).toBe(JSON.stringify(out.policy).length)
    expect(out.probe.violations).toEqual([])
  })

  it('refuses a hostile id (2) and an unknown scope (64)', async () => {
    const hostile = await runCli(['render', '--scope', 'read', '--user', '*'])
    expect(hostile.code).toBe(2)
    expect(hostile.stderr).toContain('[ERR_TEMPLATE_VALUE]')
    const unknown = await runCli(['render', '--scope', 'admin', '--user', 'alice'])
    expect(unknown.code).toBe(64)
    expect(unknown.stderr).toContain('config.json defines: read, write, read-write')
  })

  it('exits 78 for an invalid config', async () => {
    expect((await runCli(['render', '--scope', 'read', '--user', 'a', '--config', 'policies/seed/p1-full-access.json'])).code).toBe(78)
  })
})

describe('ossvend', () => {
  it('prints usage for help (0) and for nothing or an unknown command (64)', async () => {
    expect((await runCli(['--help'])).stdout).toContain('ossvend simulate --policy FILE')
    expect((await runCli([])).code).toBe(64)
    expect((await runCli(['frobnicate'])).code).toBe(64)
  })
})
