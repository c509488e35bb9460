import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IdentityProviderConfig } from '../../src/config/types.js'
import type { TestCa } from './oidc-provider.js'

/** The test CA written where a provider's `caFile` can name it. */
export function writeCaFile(ca: TestCa): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ossvend-ca-')), 'ca.pem')
  writeFileSync(path, ca.cert)
  return path
}

/** A provider's settings with every default filled in, as config loading would. */
export function providerSettings(name: string, issuer: string, patch: Partial<IdentityProviderConfig> = {}): IdentityProviderConfig {
  return {
    name,
    issuer,
    audience: 'ossvend-app',
    algorithms: ['ES256', 'RS256'],
    userClaim: 'sub',
    scopesClaim: 'scp',
    defaultScopes: [],
    requiredClaims: {},
    jwksMaxAgeSec: 600,
    jwksCooldownSec: 30,
    jwksTimeoutMs: 2000,
    jwksMaxBytes: 65536,
    jwksMaxKeys: 32,
    allowInsecureLoopback: false,
    ...patch,
  }
}
