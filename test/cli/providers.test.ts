import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../../src/cli/main.js'
import { makeSigningKey, makeTestCa, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js'
import { writeCaFile } from '../helpers/providers.js'
import { ROOT } from '../helpers/vectors.js'

let idp: TestOidcProvider
let caFile: string

beforeAll(async () => {
  const ca = await makeTestCa()
  caFile = writeCaFile(ca)
  idp = await startOidcProvider(ca)
  idp.keys = [await makeSigningKey('k1'), await makeSigningKey('k2', 'RS256')]
}, 60_000)
afterAll(async () => idp.close())

function configWith(providers: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-providers-'))
  const base = JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>
  const scopes = Object.fromEntries(Object.entries(base.policies?.scopes as Record<string, string>).map(([k, v]) => [k, join(ROOT, v)]))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, auth: { ...base.auth, providers }, policies: { ...base.policies, scopes, rolePolicies: [], referer: join(ROOT, 'policies/referer/example.json') } }))
  return join(dir, 'config.json')
}

async function cli(argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: ROOT })
  return { code, stdout, stderr }
}

describe('ossvend providers check', () => {
  it('fetches the discovery document and key set of each provider and says what it found', async () => {
    idp.cacheControl = 'max-age=120'
    const config = configWith([
      { name: 'disc', issuer: idp.issuer, audience: 'app', algorithms: ['ES256'], caFile },
      { name: 'direct', issuer: `${idp.issuer}/other`, audience: 'app', algorithms: ['ES256'], jwksUrl: idp.jwksUrl, caFile },
    ])
    const r = await cli(['providers', 'check', '--config', config])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`disc: ok  issuer ${idp.issuer}  keys 2 (k1, k2) from discovered ${idp.jwksUrl}  max age 120s`)
    expect(r.stdout).toContain(`direct: ok  issuer ${idp.issuer}/other  keys 2 (k1, k2) from ${idp.jwksUrl}`)
    const json = JSON.parse((await cli(['providers', 'check', '--json', '--config', config])).stdout) as { providers: { ok: boolean; kids: string[] }[] }
    expect(json.providers.map((p) => [p.ok, p.kids])).toEqual([[true, ['k1', 'k2']], [true, ['k1', 'k2']]])
  })

  it('reports each failing provider with its reason and exits 1', async () => {
    const config = configWith([
      { name: 'untrusted', issuer: idp.issuer, audience: 'app', algorithms: ['ES256'] },
      { name: 'dupes', issuer: `${idp.issuer}/x`, audience: 'app', algorithms: ['ES256'], jwksUrl: idp.jwksUrl, caFile },
    ])
    idp.rawJwks = JSON.stringify({ keys: [idp.keys[0]?.jwk, idp.keys[0]?.jwk] })
    try {
      const r = await cli(['providers', 'check', '--config', config])
      expect(r.code).toBe(1)
      expect(r.stdout).toMatch(/^untrusted: FAILED .* unreachable: /m)
      expect(r.stdout).toMatch(/^dupes: FAILED .* duplicate-kid: /m)
    } finally {
      idp.rawJwks = undefined
    }
  })
})
