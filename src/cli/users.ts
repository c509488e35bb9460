import { resolve } from 'node:path'
import { loadConfig } from '../config/load.js'
import type { Config } from '../config/types.js'
import { readUsersFile, removeUser, setUserScopes, upsertUser } from '../auth/user-store.js'
import { parseCommandArgs, requireOption } from './args.js'
import { EXIT, UsageError, type CliIo } from './io.js'

export const USERS_USAGE = [
  'ossvend users add --username NAME --scopes S1,S2 --password-stdin [--config FILE]',
  'ossvend users list [--json] [--config FILE]',
  'ossvend users remove --username NAME [--config FILE]',
  'ossvend users set-scopes --username NAME --scopes S1,S2 [--config FILE]',
].join('\n')

const SUBCOMMANDS = ['add', 'list', 'remove', 'set-scopes']

/**
 * The built-in users in the users file named by config.json (the `local` provider): add (scrypt),
 * list, remove, set-scopes. Every change rewrites the file atomically; a running server reads it
 * at start-up.
 */
export async function usersCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (!sub || !SUBCOMMANDS.includes(sub)) throw new UsageError(`the users command has the subcommands ${SUBCOMMANDS.join(', ')}`)
  const { values } = parseCommandArgs(rest, {
    username: { type: 'string' },
    scopes: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    config: { type: 'string', default: 'config.json' },
  })
  const config = await loadConfig({ path: resolve(io.cwd, values.config), env: {} })
  const file = config.auth.usersFile

  if (sub === 'list') {
    const users = await readUsersFile(file)
    if (values.json) io.stdout(`${JSON.stringify({ users: users.map((u) => ({ username: u.username, provider: 'local', scopes: u.scopes })) })}\n`)
    else io.stdout(users.length === 0 ? `no users in ${file}\n` : users.map((u) => `${u.username}\t${u.scopes.join(',')}\n`).join(''))
    return EXIT.ok
  }

  const username = requireOption(values.username, 'username').toLowerCase()
  if (sub === 'remove') {
    if (!(await removeUser(file, username))) {
      io.stderr(`ossvend: no user ${username} in ${file}\n`)
      return EXIT.badInput
    }
    io.stdout(`user ${username} removed from ${file}\n`)
    return EXIT.ok
  }

  const scopes = knownScopes(config, requireOption(values.scopes, 'scopes'))
  if (sub === 'set-scopes') {
    if (!(await setUserScopes(file, username, scopes))) {
      io.stderr(`ossvend: no user ${username} in ${file}\n`)
      return EXIT.badInput
    }
    io.stdout(`user ${username} now has scopes ${scopes.join(', ')}\n`)
    return EXIT.ok
  }

  if (!values['password-stdin'] || !io.readStdin) throw new UsageError('give the password on standard input with --password-stdin (never in argv, where ps and shell history see it)')
  const password = (await io.readStdin()).replace(/\r?\n$/, '')
  try {
    await upsertUser(file, username, password, scopes, config.auth.scryptLog2N)
  } catch (err) {
    io.stderr(`ossvend: ${(err as Error).message}\n`)
    return EXIT.badInput
  }
  io.stdout(`user ${username} saved to ${file} with scopes ${scopes.join(', ')}\n`)
  return EXIT.ok
}

function knownScopes(config: Config, list: string): string[] {
  const scopes = list.split(',').filter(Boolean)
  const unknown = scopes.filter((s) => !(s in config.policies.scopes))
  if (unknown.length > 0) throw new UsageError(`unknown scopes: ${unknown.join(', ')}; config.json defines: ${Object.keys(config.policies.scopes).join(', ')}`)
  return scopes
}
