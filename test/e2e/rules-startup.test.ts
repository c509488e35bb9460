import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeTestConfig } from '../helpers/process.js'
import { ROOT } from '../helpers/vectors.js'

/** `ossvend serve CONFIG` as a process; resolves with its exit code and stderr. */
function serve(config: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'bin.js'), 'serve', config], { env: { PATH: process.env.PATH ?? '', PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stderr }))
  })
}

/** A config whose `levels` scope is the given rules document. */
function configWithRules(rules: unknown, oss?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-rules-'))
  const file = join(dir, 'levels.json')
  writeFileSync(file, JSON.stringify(rules))
  const scopes = {
    read: join(ROOT, 'policies/templates/read.json'),
    write: join(ROOT, 'policies/templates/write.json'),
    'read-write': join(ROOT, 'policies/templates/read-write.json'),
    levels: file,
  }
  return writeTestConfig({
    policies: { scopes, defaultScope: 'read-write', rolePolicies: [join(ROOT, 'policies/role/app-role.json')] },
    ...(oss ? { oss } : {}),
  })
}

describe('path rules at start-up: one line naming the scope, the rule\'s JSON pointer and a code; exit 78', () => {
  it('a placeholder in the middle of a segment, an unknown verb, an unknown role', async () => {
    const ran = await serve(configWithRules({
      rules: [
        { path: 'media/x{user}/*', access: { owner: ['read'] } },
        { path: 'public/*', access: { guest: ['read', 'upload'] } },
        { path: 'shared/*', access: { admins: ['read'] } },
      ],
    }))
    expect(ran.code).toBe(78)
    const lines = ran.stderr.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ossvend: policies\.scopes\.levels \(.*levels\.json\): invalid template \(3 issues\)$/)
    expect(lines.slice(1).map((l) => l.trim().split(':')[0]).sort()).toEqual([
      '/rules/0/path rules.placeholder-mid-segment',
      '/rules/1/access/guest/1 schema.enum',
      '/rules/2/access/admins schema.unknown-property',
    ])
    expect(ran.stderr).not.toMatch(/\n\s+at /)
  })

  it('a rule set over STS\'s 2,048-character policy limit names the rule that crosses it', async () => {
    const rules = Array.from({ length: 40 }, (_, i) => ({ path: `area-${i}/{user}/documents/*`, access: { owner: ['read', 'write'] } }))
    const ran = await serve(configWithRules({ rules }))
    expect(ran.code).toBe(78)
    expect(ran.stderr.trimEnd()).toMatch(/^ossvend: policies\.scopes\.levels \(.*levels\.json\): \/rules\/\d+ rules\.too-large: .* characters; STS accepts at most 2048$/)
  })

  it('a scope spanning two regions', async () => {
    const oss = { bucket: 'app-base-oss', region: 'cn-hangzhou', account: '1234', buckets: { 'media-north': { region: 'cn-beijing' } } }
    const ran = await serve(configWithRules({ rules: [{ path: 'a/*', access: { authenticated: ['read'] } }, { path: 'b/*', bucket: 'media-north', access: { authenticated: ['read'] } }] }, oss))
    expect(ran.code).toBe(78)
    expect(ran.stderr.trimEnd()).toMatch(/^ossvend: policies\.scopes\.levels \(.*levels\.json\): \/rules\/1\/bucket rules\.regions: /)
  })

  it('path rules written in the configuration itself: a bad rule names policies.scopes.NAME and its pointer; good ones serve', async () => {
    const inline = (rules: unknown) => writeTestConfig({
      policies: {
        scopes: {
          read: join(ROOT, 'policies/templates/read.json'),
          write: join(ROOT, 'policies/templates/write.json'),
          'read-write': join(ROOT, 'policies/templates/read-write.json'),
          levels: rules,
        },
        defaultScope: 'read-write',
        rolePolicies: [join(ROOT, 'policies/role/app-role.json')],
      },
    })
    const bad = await serve(inline({ rules: [{ path: 'media/x{user}/*', access: { owner: ['read'] } }] }))
    expect(bad.code).toBe(78)
    const lines = bad.stderr.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ossvend: policies\.scopes\.levels: invalid template \(\d issues?\)$/)
    expect(lines.slice(1).some((l) => l.trim().startsWith('/rules/0/path rules.placeholder-mid-segment'))).toBe(true)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
    const good = await listening(inline({ rules: [{ path: 'public/*', access: { authenticated: ['read', 'list'] } }, { path: 'private/{user}/*', access: { owner: ['read', 'list', 'write', 'delete'] } }] }))
    expect(good).toMatch(/^ossvend listening on http:/)
  })
})

/** `ossvend serve CONFIG` until its first stdout line (the listener line), then SIGTERM. */
function listening(config: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'bin.js'), 'serve', config], { env: { PATH: process.env.PATH ?? '', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (stdout.includes('\n')) {
        child.kill('SIGTERM')
        resolve(stdout.split('\n')[0] as string)
      }
    })
    child.on('exit', (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)))
  })
}
