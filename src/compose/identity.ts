import type { Logger } from 'pino'
import { hashPassword, verifyPassword } from '../auth/password.js'
import { createAuthentication, type Authentication } from '../auth/provider-factory.js'
import { createUserStore, readUsersFile, type UserRecord, type UserStore } from '../auth/user-store.js'
import type { Config } from '../config/types.js'
import { ConfigInvalidError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { randomToken } from '../lib/crypto.js'
import type { StateStore } from './state-store.js'

/** Who may call ossvend: its own users and tokens, and the external identity providers it trusts. */
export interface Identity extends Authentication {
  readonly users: UserStore
  readonly verifyPassword: (password: string, hash: string) => Promise<boolean>
  readonly dummyPasswordHash: string
}

export interface IdentityOptions {
  readonly config: Config
  readonly secret: Buffer
  readonly clock: Clock
  /** Demo users of config.json exist in sandbox mode only. */
  readonly sandbox: boolean
  readonly logger: Logger
  /** Where sessions, revocations and guest limits live. */
  readonly state: Pick<StateStore, 'refreshTokens' | 'revocations' | 'limiter' | 'providerTokens'>
}

export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const { config, secret, clock, state } = options
  const builtIn = await builtInUsers(config, options.sandbox)
  if (!options.sandbox && builtIn.length === 0 && config.auth.providers.length === 0 && !config.auth.guest.enabled) {
    throw new ConfigInvalidError('auth.usersFile', [
      { pointer: '/auth/usersFile', code: 'auth.no-users', message: `nobody could sign in: ${config.auth.usersFile} holds no users and no identity provider is configured (add one with "ossvend users add", or set auth.providers)` },
    ])
  }
  const users = createUserStore(builtIn)
  const authentication = await createAuthentication({
    config,
    secret,
    clock,
    logger: options.logger,
    users,
    refreshTokens: state.refreshTokens,
    revocations: state.revocations,
    limiter: state.limiter,
    providerTokens: state.providerTokens,
  })
  return {
    ...authentication,
    users,
    verifyPassword,
    dummyPasswordHash: await hashPassword(randomToken(16), config.auth.scryptLog2N),
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
