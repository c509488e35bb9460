import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startServerProcess, writeTestConfig } from '../helpers/process.js'

const provider = { name: 'corp', issuer: 'https://id.example.com', audience: 'app', algorithms: ['RS256'] }
const auth = (providers: unknown[]) => ({ scryptLog2N: 10, usersFile: join(mkdtempSync(join(tmpdir(), 'ossvend-users-')), 'users.json'), providers })

async function startupError(providers: unknown[]): Promise<string> {
  const err = await startServerProcess(writeTestConfig({ auth: auth(providers) })).then(() => undefined, (e: Error) => e)
  return err?.message ?? 'started'
}

describe('identity provider settings at start-up', () => {
  it('stop with exit 78 and the setting for a plain http key set', async () => {
    const message = await startupError([{ ...provider, jwksUrl: 'http://id.example.com/jwks' }])
    expect(message).toMatch(/^server exited with 78: ossvend: \S+config\.json: \/auth\/providers\/0\/jwksUrl config\.idp-url: must be https/)
    expect(message).not.toMatch(/\n\s+at /)
  })

  it('stop with exit 78 naming the provider when a key file cannot be read', async () => {
    const message = await startupError([{ ...provider, publicKeys: { k1: '/nonexistent/key.pem' } }])
    expect(message).toMatch(/^server exited with 78: ossvend: \S+config\.json: \/auth\/providers\/0 config\.idp-keys: provider "corp": ENOENT/)
    expect(message).not.toMatch(/\n\s+at /)
  })
})
