import { createJwksResolver, createStaticKeyResolver } from '../auth/key-resolver.js'
import { hashPassword, verifyPassword } from '../auth/password.js'
import { createTokenIssuer, createTokenVerifier, withVerifiedTokenCache, type TokenVerifier, type TokenVerifierOptions } from '../auth/tokens.js'
import { createUserStore, readUsersFile, type UserRecord, type UserStore } from '../auth/user-store.js'
import type { Config } from '../config/types.js'
import { ConfigInvalidError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { randomToken } from '../lib/crypto.js'

/** Who may call ossvend: its own users and tokens, and the external identity providers it trusts. */
export interface Identity {
  readonly users: UserStore
  readonly issueToken: (user: { username: string; scopes: readonly string[] }) => { accessToken: string; expiresIn: number }
  readonly verifyToken: TokenVerifier
  readonly verifyPassword: (password: string, hash: string) => Promise<boolean>
  readonly dummyPasswordHash: string
}

export interface IdentityOptions {
  readonly config: Config
  readonly secret: Buffer
  readonly clock: Clock
  /** Demo users of config.json exist in sandbox mode only. */
  readonly sandbox: boolean
}

export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const { config, secret, clock } = options
  const auth = config.auth
  const issuer = createTokenIssuer({ secret, issuer: auth.issuer, audience: auth.audience, ttlSec: auth.accessTokenTtlSec, clock })
  const external = await externalProvider(config)
  const verifyToken = withVerifiedTokenCache(createTokenVerifier({
    own: { secret, issuer: auth.issuer, audience: auth.audience },
    ...(external ? { external } : {}),
    clockToleranceSec: auth.clockToleranceSec,
    maxLifetimeSec: Math.max(auth.accessTokenTtlSec, 86400),
    clock,
  }), clock)
  const users = await builtInUsers(config, options.sandbox)
  if (!options.sandbox && users.length === 0 && !external) {
    throw new ConfigInvalidError('auth.usersFile', [
      { pointer: '/auth/usersFile', code: 'auth.no-users', message: `nobody could sign in: ${auth.usersFile} holds no users and no external identity provider is configured (add one with "ossvend users add", or set auth.external)` },
    ])
  }
  return {
    users: createUserStore(users),
    issueToken: (user) => issuer.issue(user),
    verifyToken,
    verifyPassword,
    dummyPasswordHash: await hashPassword(randomToken(16), auth.scryptLog2N),
  }
}

/** The users file, plus config.json's demo users in sandbox mode (a file entry wins). */
async function builtInUsers(config: Config, sandbox: boolean): Promise<UserRecord[]> {
  const users = await readUsersFile(config.auth.usersFile)
  if (!sandbox) return users
  for (const demo of config.auth.demoUsers) {
    if (!users.some((u) => u.username === demo.username)) {
      users.push({ username: demo.username, passwordHash: await hashPassword(demo.password, config.auth.scryptLog2N), scopes: demo.scopes })
    }
  }
  return users
}

/** `auth.external`: an identity provider's RS256/ES256 tokens, keys by PEM file or JWKS URL. */
async function externalProvider(config: Config): Promise<TokenVerifierOptions['external']> {
  const external = config.auth.external
  if (!external) return undefined
  const resolveKey = external.jwksUrl
    ? createJwksResolver({ url: external.jwksUrl })
    : external.publicKeys
      ? await createStaticKeyResolver(external.publicKeys)
      : undefined
  if (!resolveKey) return undefined
  return { issuer: external.issuer, audience: external.audience, algorithms: external.algorithms, resolveKey, scopesClaim: external.scopesClaim }
}
