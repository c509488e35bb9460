import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/auth/password.js'
import { run } from '../../src/cli/main.js'
import { ROOT } from '../helpers/vectors.js'

function configWithUsersFile(): { config: string; users: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-users-'))
  const base = JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>
  const users = join(dir, 'users.json')
  const scopes = Object.fromEntries(Object.entries(base.policies?.scopes as Record<string, string>).map(([k, v]) => [k, join(ROOT, v)]))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, auth: { ...base.auth, usersFile: users, scryptLog2N: 10 }, policies: { ...base.policies, scopes, rolePolicies: [], referer: join(ROOT, 'policies/referer/example.json') } }))
  return { config: join(dir, 'config.json'), users }
}

async function cli(argv: string[], stdin = '') {
  let stdout = ''
  let stderr = ''
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: ROOT, readStdin: async () => stdin })
  return { code, stdout, stderr }
}

describe('ossvend users add', () => {
  it('adds a user with a scrypt hash, read from stdin, to a 0600 file', async () => {
    const { config, users } = configWithUsersFile()
    const r = await cli(['users', 'add', '--username', 'Erin', '--scopes', 'read,write', '--password-stdin', '--config', config], 'erin-password-1\n')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('user erin saved')
    const saved = JSON.parse(readFileSync(users, 'utf8')) as { users: { username: string; passwordHash: string; scopes: string[] }[] }
    expect(saved.users).toEqual([{ username: 'erin', passwordHash: expect.stringMatching(/^scrypt\$10\$8\$1\$/), scopes: ['read', 'write'] }])
    expect(await verifyPassword('erin-password-1', saved.users[0]!.passwordHash)).toBe(true)
    expect(await verifyPassword('wrong', saved.users[0]!.passwordHash)).toBe(false)
    expect(statSync(users).mode & 0o777).toBe(0o600)
    expect(readFileSync(users, 'utf8')).not.toContain('erin-password-1')
  })

  it('refuses unsafe usernames, short passwords, unknown scopes and passwords in argv', async () => {
    const { config } = configWithUsersFile()
    expect((await cli(['users', 'add', '--username', 'a*', '--scopes', 'read', '--password-stdin', '--config', config], 'long-enough-pw')).code).toBe(2)
    expect((await cli(['users', 'add', '--username', 'ok', '--scopes', 'read', '--password-stdin', '--config', config], 'short')).code).toBe(2)
    expect((await cli(['users', 'add', '--username', 'ok', '--scopes', 'admin', '--password-stdin', '--config', config], 'long-enough-pw')).code).toBe(64)
    expect((await cli(['users', 'add', '--username', 'ok', '--scopes', 'read', '--password', 'x', '--config', config])).code).toBe(64)
  })
})

describe('ossvend users list, remove, set-scopes', () => {
  it('lists, changes the scopes of and removes built-in users, refusing unknown ones and scopes', async () => {
    const { config, users } = configWithUsersFile()
    expect((await cli(['users', 'list', '--config', config])).stdout).toContain('no users')
    for (const name of ['erin', 'finn']) {
      expect((await cli(['users', 'add', '--username', name, '--scopes', 'read', '--password-stdin', '--config', config], `${name}-password-1`)).code).toBe(0)
    }
    expect((await cli(['users', 'list', '--config', config])).stdout).toBe('erin\tread\nfinn\tread\n')
    expect((await cli(['users', 'set-scopes', '--username', 'Erin', '--scopes', 'read,write', '--config', config])).code).toBe(0)
    const listed = JSON.parse((await cli(['users', 'list', '--json', '--config', config])).stdout) as { users: unknown[] }
    expect(listed.users).toEqual([{ username: 'erin', provider: 'local', scopes: ['read', 'write'] }, { username: 'finn', provider: 'local', scopes: ['read'] }])
    const before = readFileSync(users, 'utf8')
    expect((await cli(['users', 'set-scopes', '--username', 'erin', '--scopes', 'admin', '--config', config])).code).toBe(64)
    expect((await cli(['users', 'set-scopes', '--username', 'nobody', '--scopes', 'read', '--config', config])).code).toBe(2)
    expect((await cli(['users', 'remove', '--username', 'nobody', '--config', config])).code).toBe(2)
    expect(readFileSync(users, 'utf8')).toBe(before)
    expect((await cli(['users', 'remove', '--username', 'finn', '--config', config])).code).toBe(0)
    expect((await cli(['users', 'list', '--config', config])).stdout).toBe('erin\tread,write\n')
    expect(statSync(users).mode & 0o777).toBe(0o600)
    expect((await cli(['users', 'rename', '--config', config])).code).toBe(64)
  })
})
