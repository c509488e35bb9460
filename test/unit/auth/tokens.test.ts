import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { AuthExpiredError, AuthInvalidError } from '../../../src/errors.js'
import { createProvider } from '../../../src/auth/provider.js'
import { createTokenIssuer, createTokenVerifier } from '../../../src/auth/tokens.js'
import { namespacedUserId } from '../../../src/auth/user-id.js'
import type { IdentityProviderConfig } from '../../../src/config/types.js'

const SECRET = Buffer.from('unit-test-secret-unit-test-secret-32b')
const NOW = new Date('2026-11-25T12:00:00Z')
const nowSec = Math.floor(NOW.getTime() / 1000)
const clock = () => NOW
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

const dir = mkdtempSync(join(tmpdir(), 'ossvend-keys-'))
const pem = (key: KeyObject, name: string) => {
  const path = join(dir, `${name}.pem`)
  writeFileSync(path, key.export({ type: 'spki', format: 'pem' }))
  return path
}
const providerConfig: IdentityProviderConfig = {
  name: 'idp',
  issuer: 'https://idp.example',
  audience: 'app',
  algorithms: ['RS256', 'ES256'],
  publicKeys: { 'rsa-1': pem(rsa.publicKey, 'rsa'), 'ec-1': pem(ec.publicKey, 'ec') },
  userClaim: 'sub',
  scopesClaim: 'scp',
  defaultScopes: [],
  requiredClaims: {},
  jwksMaxAgeSec: 600,
  jwksCooldownSec: 30,
  jwksTimeoutMs: 1000,
  jwksMaxBytes: 65536,
  jwksMaxKeys: 32,
  allowInsecureLoopback: false,
}
const provider = await createProvider(providerConfig, { clock, clockToleranceSec: 60, maxLifetimeSec: 86400 })

const verify = createTokenVerifier({
  own: { secret: SECRET, issuer: 'ossvend', audience: 'app' },
  providers: [provider],
  clockToleranceSec: 60,
  maxLifetimeSec: 86400,
  clock,
})

const own = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  jwt.sign({ sub: 'alice', scope: 'read write', iat: nowSec, exp: nowSec + 600, ...claims }, SECRET, {
    algorithm: 'HS256', issuer: 'ossvend', audience: 'app', header: { alg: 'HS256', typ: 'at+jwt', ...header },
  })
const rs = (claims: Record<string, unknown> = {}, kid = 'rsa-1') =>
  jwt.sign({ sub: 'auth0|42', scp: ['read'], iat: nowSec, exp: nowSec + 600, iss: 'https://idp.example', aud: 'app', ...claims }, rsa.privateKey, { algorithm: 'RS256', keyid: kid })
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

async function rejects(token: string, type: typeof AuthInvalidError | typeof AuthExpiredError = AuthInvalidError) {
  const err = await verify(token).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(type)
  expect((err as Error).message).toMatch(/^(invalid token|token expired)$/)
}

describe('token verification', () => {
  it('accepts ossvend tokens and returns the subject and scopes', async () => {
    expect(await verify(own())).toMatchObject({ userId: 'alice', provider: 'local', scopes: ['read', 'write'] })
    const issuer = createTokenIssuer({ secret: SECRET, issuer: 'ossvend', audience: 'app', ttlSec: 900, clock })
    expect(await verify(issuer.issue({ userId: 'bob', provider: 'local', scopes: ['read'] }).accessToken)).toMatchObject({ userId: 'bob', provider: 'local', scopes: ['read'] })
    const external = await verify(issuer.issue({ userId: 'idp.bob', provider: 'idp', scopes: ['read'] }).accessToken)
    expect(external).toMatchObject({ userId: 'idp.bob', provider: 'idp' })
  })

  it('accepts RS256 and ES256 tokens of the external provider, in its own namespace', async () => {
    const principal = await verify(rs())
    expect(principal.userId).toBe(namespacedUserId('idp', 'auth0|42'))
    expect(principal.userId).toMatch(/^idp\._[0-9a-f]{40}$/)
    expect(principal.scopes).toEqual(['read'])
    expect(principal.provider).toBe('idp')
    const es = jwt.sign({ sub: 'plain-id', iat: nowSec, exp: nowSec + 60, iss: 'https://idp.example', aud: 'app' }, ec.privateKey, { algorithm: 'ES256', keyid: 'ec-1' })
    expect((await verify(es)).userId).toBe('idp.plain-id')
  })

  it('refuses an own token whose idp does not match its subject', async () => {
    await rejects(own({ sub: 'alice', idp: 'idp' }))
    await rejects(own({ sub: 'idp.alice' }))
    await rejects(own({ sub: 'other.alice', idp: 'idp' }))
  })

  it('refuses alg none', async () => {
    await rejects(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ sub: 'alice', iss: 'ossvend', aud: 'app', iat: nowSec, exp: nowSec + 60 })}.`)
  })

  it('refuses an HS256 token signed with the RSA public key (algorithm confusion)', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' })
    const forged = jwt.sign({ sub: 'alice', iat: nowSec, exp: nowSec + 60, iss: 'https://idp.example', aud: 'app' }, pem, { algorithm: 'HS256', keyid: 'rsa-1', allowInsecureKeySizes: true } as jwt.SignOptions)
    await rejects(forged)
  })

  it('refuses expired tokens beyond the tolerance, and accepts within it', async () => {
    await rejects(own({ exp: nowSec - 61, iat: nowSec - 600 }), AuthExpiredError)
    expect((await verify(own({ exp: nowSec - 30, iat: nowSec - 600 }))).userId).toBe('alice')
  })

  it('refuses a token without exp, or without iat', async () => {
    const noExp = jwt.sign({ sub: 'alice', iat: nowSec }, SECRET, { algorithm: 'HS256', issuer: 'ossvend', audience: 'app', header: { alg: 'HS256', typ: 'at+jwt' } })
    await rejects(noExp)
    const noIat = jwt.sign({ sub: 'alice', exp: nowSec + 60 }, SECRET, { algorithm: 'HS256', issuer: 'ossvend', audience: 'app', noTimestamp: true, header: { alg: 'HS256', typ: 'at+jwt' } })
    await rejects(noIat)
  })

  it('refuses nbf and iat in the future, and over-long lifetimes', async () => {
    await rejects(own({ nbf: nowSec + 300 }))
    await rejects(own({ iat: nowSec + 300, exp: nowSec + 600 }))
    await rejects(own({ exp: nowSec + 86400 * 30 }))
  })

  it('refuses a wrong issuer, a wrong audience, and the audience regex trap', async () => {
    await rejects(jwt.sign({ sub: 'alice', iat: nowSec, exp: nowSec + 60 }, SECRET, { algorithm: 'HS256', issuer: 'evil', audience: 'app', header: { alg: 'HS256', typ: 'at+jwt' } }))
    await rejects(jwt.sign({ sub: 'alice', iat: nowSec, exp: nowSec + 60 }, SECRET, { algorithm: 'HS256', issuer: 'ossvend', audience: 'evil-app', header: { alg: 'HS256', typ: 'at+jwt' } }))
    await rejects(rs({ aud: 'evil-app' }))
  })

  it('refuses a tampered payload', async () => {
    const [h, , s] = own().split('.')
    await rejects(`${h}.${b64({ sub: 'bob', scope: 'read write', iss: 'ossvend', aud: 'app', iat: nowSec, exp: nowSec + 600 })}.${s}`)
  })

  it('refuses unknown and hostile kids without using them', async () => {
    for (const kid of ['unknown', '../../etc/passwd', "' OR 1=1--", '']) await rejects(rs({}, kid))
  })

  it('refuses malformed tokens', async () => {
    const valid = own()
    for (const token of [valid.split('.').slice(0, 2).join('.'), `${valid}.x`, `${b64({ alg: 'HS256', pad: 'x'.repeat(10_000) })}.${b64({})}.sig`, `!!!.@@@.###`, `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64([1, 2])}.sig`, 'Bearer']) {
      await rejects(token)
    }
  })

  it('refuses another token type (typ) from our issuer', async () => {
    await rejects(own({}, { typ: 'JWT' }))
    await rejects(own({}, { typ: 'id+jwt' }))
  })

  it('refuses an own token whose subject is outside the user id charset', async () => {
    for (const sub of ['*', 'a/b', 'Alice', '']) await rejects(own({ sub }))
  })
})
