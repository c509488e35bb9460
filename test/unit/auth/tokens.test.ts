import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { AuthExpiredError, AuthInvalidError, IdpUnavailableError } from '../../../src/errors.js'
import { createJwksResolver } from '../../../src/auth/key-resolver.js'
import { createTokenIssuer, createTokenVerifier, externalUserId, type KeyResolver } from '../../../src/auth/tokens.js'

const SECRET = Buffer.from('unit-test-secret-unit-test-secret-32b')
const NOW = new Date('2026-11-25T12:00:00Z')
const nowSec = Math.floor(NOW.getTime() / 1000)
const clock = () => NOW
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

const keys: Record<string, KeyObject> = { 'rsa-1': rsa.publicKey, 'ec-1': ec.publicKey }
const resolveKey: KeyResolver = async (kid) => (kid === undefined ? undefined : keys[kid])

const verify = createTokenVerifier({
  own: { secret: SECRET, issuer: 'ossvend', audience: 'app' },
  external: { issuer: 'https://idp.example', audience: 'app', algorithms: ['RS256', 'ES256'], resolveKey, scopesClaim: 'scp' },
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
    expect(await verify(own())).toEqual({ userId: 'alice', scopes: ['read', 'write'] })
    const issuer = createTokenIssuer({ secret: SECRET, issuer: 'ossvend', audience: 'app', ttlSec: 900, clock })
    expect(await verify(issuer.issue({ username: 'bob', scopes: ['read'] }).accessToken)).toEqual({ userId: 'bob', scopes: ['read'] })
  })

  it('accepts RS256 and ES256 tokens of the external provider, mapping unsafe subjects to opaque ids', async () => {
    const principal = await verify(rs())
    expect(principal.userId).toBe(externalUserId('https://idp.example', 'auth0|42'))
    expect(principal.userId).toMatch(/^x-[0-9a-f]{40}$/)
    expect(principal.scopes).toEqual(['read'])
    const es = jwt.sign({ sub: 'plain-id', iat: nowSec, exp: nowSec + 60, iss: 'https://idp.example', aud: 'app' }, ec.privateKey, { algorithm: 'ES256', keyid: 'ec-1' })
    expect((await verify(es)).userId).toBe('plain-id')
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

describe('JWKS resolver', () => {
  const jwk = (key: KeyObject, kid: string) => ({ ...(key.export({ format: 'jwk' }) as object), kid, use: 'sig' })

  it('picks up a rotated key without a restart, and rate-limits refetches for unknown kids', async () => {
    let served = [jwk(rsa.publicKey, 'k1')]
    let fetches = 0
    let now = 0
    const resolver = createJwksResolver({
      url: 'https://idp.example/jwks',
      minRefetchMs: 60_000,
      now: () => now,
      fetch: (async () => {
        fetches++
        return new Response(JSON.stringify({ keys: served }))
      }) as typeof fetch,
    })
    expect(await resolver('k1')).toBeDefined()
    for (let i = 0; i < 50; i++) expect(await resolver(`random-${i}`)).toBeUndefined()
    expect(fetches).toBe(1)
    served = [jwk(rsa.publicKey, 'k1'), jwk(ec.publicKey, 'k2')]
    now += 61_000
    expect(await resolver('k2')).toBeDefined()
    expect(fetches).toBe(2)
  })

  it('keeps serving cached keys when the provider is down, and says unavailable when the cache is cold', async () => {
    let up = true
    let now = 0
    const resolver = createJwksResolver({
      url: 'https://idp.example/jwks',
      minRefetchMs: 1,
      now: () => now,
      fetch: (async () => {
        if (!up) throw new Error('connection refused')
        return new Response(JSON.stringify({ keys: [jwk(rsa.publicKey, 'k1')] }))
      }) as typeof fetch,
    })
    expect(await resolver('k1')).toBeDefined()
    up = false
    now += 10
    expect(await resolver('k1')).toBeDefined()
    expect(await resolver('k9')).toBeUndefined()
    const cold = createJwksResolver({ url: 'https://idp.example/jwks', fetch: (async () => { throw new Error('down') }) as typeof fetch })
    await expect(cold('k1')).rejects.toBeInstanceOf(IdpUnavailableError)
  })
})
