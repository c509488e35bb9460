import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigInvalidError } from '../errors.js'
import { parseJsonText } from '../lib/parse-json.js'
import { parseConfig, type Env, type LoadedConfig } from './load.js'

/** The package's own folder (above src/ in a checkout, above dist/ when installed). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The built-in sandbox defaults: the package's config.json, its policies and templates. */
export const EMBEDDED_CONFIG_PATH = join(PACKAGE_ROOT, 'config.json')

/**
 * Where the embedded default keeps users and sandbox data: OSSVEND_DATA_DIR, else
 * `$XDG_DATA_HOME/ossvend`, else `~/.local/share/ossvend`. Never inside the package, which
 * `npm ci` deletes.
 */
export function defaultDataDir(env: Env): string {
  if (env.OSSVEND_DATA_DIR) return env.OSSVEND_DATA_DIR
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local', 'share')
  return join(xdg, 'ossvend')
}

/**
 * The configuration `ossvend serve` runs on when given no file: sandbox mode with the package's
 * demo users, policies and templates, and data under `defaultDataDir`. Cloud mode needs a
 * config file of its own (the bucket, account and role are the user's).
 * @throws {ConfigInvalidError} ERR_CONFIG_INVALID
 */
export async function loadEmbeddedConfig(env: Env): Promise<LoadedConfig> {
  if (env.OSSVEND_MODE && env.OSSVEND_MODE !== 'sandbox') {
    throw new ConfigInvalidError('OSSVEND_MODE', [
      { pointer: '', code: 'config.mode', message: `OSSVEND_MODE=${env.OSSVEND_MODE} needs a config file naming the bucket, account and role (serve CONFIG, --config or OSSVEND_CONFIG); the built-in defaults are for sandbox mode only` },
    ])
  }
  const json = parseJsonText(await readFile(EMBEDDED_CONFIG_PATH, 'utf8'))
  if (!json.ok) throw new ConfigInvalidError(EMBEDDED_CONFIG_PATH, [json.issue])
  const raw = json.value as { auth?: object; sandbox?: object; store?: object }
  const embedded = {
    ...raw,
    mode: 'sandbox',
    auth: { ...raw.auth, usersFile: 'users.json' },
    sandbox: { ...raw.sandbox, dataDir: 'sandbox' },
    store: { ...raw.store, dataDir: 'state' },
  }
  return { config: parseConfig(embedded, EMBEDDED_CONFIG_PATH, env, [], defaultDataDir(env)) }
}
