import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/load.js'
import { ConfigInvalidError } from '../../../src/errors.js'
import { cacheControlMaxAge } from '../../../src/auth/bounded-fetch.js'

const base = { oss: { bucket: 'app-base-oss', region: 'cn-hangzhou', account: '1234' }, policies: { scopes: { read: 'r.json', write: 'w.json' } } }
const provider = { name: 'corp', issuer: 'https://id.example.com', audience: 'app', algorithms: ['RS256'] }

function issues(auth: unknown): string[] {
  try {
    parseConfig({ ...base, auth }, '/etc/ossvend/config.json', {})
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.issues.map((i) => `${i.pointer} ${i.code}`)
    throw err
  }
  return []
}

describe('auth.providers', () => {
  it('fills in every default, and keeps auth.external working as the first provider', () => {
    const config = parseConfig({ ...base, auth: { external: { issuer: 'https://old.example', audience: 'app', algorithms: ['ES256'], jwksUrl: 'https://old.example/jwks' }, providers: [provider] } }, '/etc/ossvend/config.json', {})
    expect(config.auth.providers.map((p) => p.name)).toEqual(['external', 'corp'])
    expect(config.auth.providers[0]).toMatchObject({ scopesClaim: 'scope', userClaim: 'sub', jwksMaxAgeSec: 600 })
    expect(config.auth.providers[1]).toMatchObject({ userClaim: 'sub', jwksMaxAgeSec: 600, jwksCooldownSec: 30, jwksMaxKeys: 32, allowInsecureLoopback: false, defaultScopes: [], requiredClaims: {} })
    expect(config.auth.providers[1]?.scopesClaim).toBeUndefined()
    expect(config.auth.guest.enabled).toBe(false)
  })

  it('refuses plain http, reserved and repeated names, repeated issuers and unknown scopes, each by its path', () => {
    expect(issues({ providers: [{ ...provider, jwksUrl: 'http://id.example.com/jwks' }] })).toEqual(['/auth/providers/0/jwksUrl config.idp-url'])
    expect(issues({ providers: [{ ...provider, issuer: 'http://id.example.com' }] })).toEqual(['/auth/providers/0/issuer config.idp-url'])
    expect(issues({ providers: [{ ...provider, issuer: 'http://127.0.0.1:9000' }] })).toEqual(['/auth/providers/0/issuer config.idp-url'])
    expect(issues({ providers: [{ ...provider, issuer: 'http://127.0.0.1:9000', allowInsecureLoopback: true }] })).toEqual([])
    expect(issues({ providers: [{ ...provider, issuer: 'http://id.example.com', allowInsecureLoopback: true }] })).toEqual(['/auth/providers/0/issuer config.idp-url'])
    expect(issues({ providers: [{ ...provider, name: 'local' }] })).toEqual(['/auth/providers/0/name config.provider-name'])
    expect(issues({ providers: [provider, { ...provider, issuer: 'https://other.example' }] })).toEqual(['/auth/providers/1/name config.provider-name'])
    expect(issues({ providers: [provider, { ...provider, name: 'corp2' }] })).toEqual(['/auth/providers/1/issuer config.provider-issuer'])
    expect(issues({ issuer: 'https://id.example.com', providers: [provider] })).toEqual(['/auth/providers/0/issuer config.provider-issuer'])
    expect(issues({ providers: [{ ...provider, defaultScopes: ['admin'] }] })).toEqual(['/auth/providers/0 config.scope-unknown'])
    expect(issues({ providers: [{ ...provider, jwksUrl: 'https://id.example.com/jwks', publicKeys: { a: 'a.pem' } }] })).toEqual(['/auth/providers/0 config.idp-keys'])
    expect(issues({ providers: [{ ...provider, name: 'Bad_Name' }] })).toEqual(['/auth/providers/0/name schema.pattern'])
    expect(issues({ providers: [{ ...provider, jwksMaxAgeSec: 5 }] })).toEqual(['/auth/providers/0/jwksMaxAgeSec schema.minimum'])
    expect(issues({ guest: { enabled: true } })).toEqual(['/auth/guest/scope config.scope-unknown'])
  })
})

describe('Cache-Control max-age', () => {
  it('is read from the directive list, and absent otherwise', () => {
    expect(cacheControlMaxAge('public, max-age=300, must-revalidate')).toBe(300)
    expect(cacheControlMaxAge('max-age="60"')).toBe(60)
    expect(cacheControlMaxAge('s-maxage=10')).toBeUndefined()
    expect(cacheControlMaxAge('no-store')).toBeUndefined()
    expect(cacheControlMaxAge(undefined)).toBeUndefined()
  })
})
