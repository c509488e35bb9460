import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, type JWK } from 'jose'
import selfsigned from 'selfsigned'

/** A certificate authority made for one test run: its certificate is the provider's trust anchor. */
export interface TestCa {
  readonly cert: string
  readonly key: string
}

export async function makeTestCa(): Promise<TestCa> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'ossvend test provider' }], {
    algorithm: 'sha256',
    keyType: 'ec',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}

export interface SigningKey {
  readonly kid: string
  readonly alg: 'RS256' | 'ES256'
  readonly privateKey: KeyObject
  readonly jwk: JWK
}

export async function makeSigningKey(kid: string, alg: 'RS256' | 'ES256' = 'ES256'): Promise<SigningKey> {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { kid, alg, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' } }
}

/**
 * An OpenID provider on loopback over https with the test CA: a discovery document and a key
 * set whose keys, headers and failures the test changes as it goes. Counts key set fetches.
 */
export interface TestOidcProvider {
  readonly issuer: string
  readonly jwksUrl: string
  /** Keys served in the key set (the test rotates them). */
  keys: SigningKey[]
  /** Replaces the key set body (a malformed or hostile answer); undefined serves `keys`. */
  rawJwks: string | undefined
  /** Sent as the key set's Cache-Control. */
  cacheControl: string | undefined
  /** Answer the key set with this status (500: provider down). */
  jwksStatus: number
  /** What the discovery document says `issuer` is; undefined serves the real one. */
  discoveryIssuer: string | undefined
  /** What the discovery document says `jwks_uri` is; undefined serves the real one. */
  discoveryJwksUri: string | undefined
  readonly jwksFetches: () => number
  sign(claims: Record<string, unknown>, options?: { key?: SigningKey; audience?: string; expiresInSec?: number; iatOffsetSec?: number; now?: number }): Promise<string>
  close(): Promise<void>
}

export async function startOidcProvider(ca: TestCa, options: { audience?: string } = {}): Promise<TestOidcProvider> {
  let fetches = 0
  const state = {
    keys: [] as SigningKey[],
    rawJwks: undefined as string | undefined,
    cacheControl: undefined as string | undefined,
    jwksStatus: 200,
    discoveryIssuer: undefined as string | undefined,
    discoveryJwksUri: undefined as string | undefined,
  }
  let issuer = ''
  const server: Server = createServer({ cert: ca.cert, key: ca.key }, (req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ issuer: state.discoveryIssuer ?? issuer, jwks_uri: state.discoveryJwksUri ?? `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] }))
      return
    }
    if (req.url === '/jwks') {
      fetches++
      res.statusCode = state.jwksStatus
      res.setHeader('content-type', 'application/json')
      if (state.cacheControl) res.setHeader('cache-control', state.cacheControl)
      res.end(state.rawJwks ?? JSON.stringify({ keys: state.keys.map((k) => k.jwk) }))
      return
    }
    res.statusCode = 404
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const audience = options.audience ?? 'ossvend-app'
  return Object.assign(state, {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    jwksFetches: () => fetches,
    async sign(claims: Record<string, unknown>, o: { key?: SigningKey; audience?: string; expiresInSec?: number; iatOffsetSec?: number; now?: number } = {}) {
      const key = o.key ?? state.keys[0]
      if (!key) throw new Error('no signing key')
      const iat = Math.floor((o.now ?? Date.now()) / 1000) + (o.iatOffsetSec ?? 0)
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(o.audience ?? audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + (o.expiresInSec ?? 600))
        .sign(key.privateKey)
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  })
}
