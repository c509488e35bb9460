import { resolve } from 'node:path'
import { loadConfig } from '../config/load.js'
import { upsertUser } from '../auth/user-store.js'
import { parseCommandArgs, requireOption } from './args.js'
import { EXIT, UsageError, type CliIo } from './io.js'

export const USERS_USAGE = 'ossvend users add --username NAME --scopes S1,S2 --password-stdin [--config FILE]'

/** Adds (or replaces) a built-in user in the users file named by config.json, hashing with scrypt. */
export async function usersCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'add') throw new UsageError('the users command has one subcommand: add')
  const { values } = parseCommandArgs(rest, {
    username: { type: 'string' },
    scopes: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
    config: { type: 'string', default: 'config.json' },
  })
  const username = requireOption(values.username, 'username')
  const scopes = requireOption(values.scopes, 'scopes').split(',').filter(Boolean)
  if (!values['password-stdin'] || !io.readStdin) throw new UsageError('give the password on standard input with --password-stdin (never in argv, where ps and shell history see it)')
  const config = await loadConfig({ path: resolve(io.cwd, values.config), env: {} })
  const unknown = scopes.filter((s) => !(s in config.policies.scopes))
  if (unknown.length > 0) throw new UsageError(`unknown scopes: ${unknown.join(', ')}; config.json defines: ${Object.keys(config.policies.scopes).join(', ')}`)
  const password = (await io.readStdin()).replace(/\r?\n$/, '')
  try {
    await upsertUser(config.auth.usersFile, username.toLowerCase(), password, scopes, config.auth.scryptLog2N)
  } catch (err) {
    io.stderr(`ossvend: ${(err as Error).message}\n`)
    return EXIT.badInput
  }
  io.stdout(`user ${username.toLowerCase()} saved to ${config.auth.usersFile} with scopes ${scopes.join(', ')}\n`)
  return EXIT.ok
}
