import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigInvalidError, type Issue } from '../errors.js'
import { createAjv, toIssues } from '../lib/ajv.js'
import { parseJsonText } from '../lib/parse-json.js'
import { CONFIG_SCHEMA } from './schema.js'
import type { Config } from './types.js'

export interface LoadConfigOptions {
  readonly path: string
  /** The environment, passed in so tests use a plain object. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

const validate = createAjv().compile(CONFIG_SCHEMA)

/**
 * Reads and validates `config.json`. Every issue is collected, with its JSON Pointer, before
 * anything is reported; nothing downstream re-checks the result.
 * @throws {ConfigInvalidError} ERR_CONFIG_INVALID
 */
export async function loadConfig(options: LoadConfigOptions): Promise<Config> {
  const path = resolve(options.path)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigInvalidError(path, [{ pointer: '', code: 'config.unreadable', message: (err as Error).message }])
  }
  const json = parseJsonText(text)
  if (!json.ok) throw new ConfigInvalidError(path, [json.issue])
  return parseConfig(json.value, path, options.env ?? {})
}

/** @throws {ConfigInvalidError} ERR_CONFIG_INVALID */
export function parseConfig(raw: unknown, path: string, env: Readonly<Record<string, string | undefined>>): Config {
  if (!validate(raw)) throw new ConfigInvalidError(path, toIssues(validate.errors))
  const input = raw as {
    mode?: Config['mode']
    server?: Partial<Config['server']>
    oss: Config['oss']
    policies: { scopes: Record<string, string>; defaultScope?: string; rolePolicies?: string[]; referer?: string }
  }
  const issues: Issue[] = []
  const base = dirname(path)
  const scopeNames = Object.keys(input.policies.scopes)
  const defaultScope = input.policies.defaultScope ?? (scopeNames[0] as string)
  if (!scopeNames.includes(defaultScope)) {
    issues.push({
      pointer: '/policies/defaultScope',
      code: 'config.scope-unknown',
      message: `"${defaultScope}" is not one of the scopes (${scopeNames.join(', ')})`,
    })
  }
  const port = env.PORT !== undefined ? Number(env.PORT) : (input.server?.port ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    issues.push({ pointer: '/server/port', code: 'config.port', message: 'PORT must be an integer from 0 to 65535' })
  }
  if (issues.length > 0) throw new ConfigInvalidError(path, issues)
  return Object.freeze({
    source: path,
    mode: input.mode ?? 'auto',
    server: { host: env.HOST ?? input.server?.host ?? '127.0.0.1', port },
    oss: input.oss,
    policies: {
      scopes: Object.fromEntries(Object.entries(input.policies.scopes).map(([k, v]) => [k, resolve(base, v)])),
      defaultScope,
      rolePolicies: (input.policies.rolePolicies ?? []).map((p) => resolve(base, p)),
      ...(input.policies.referer !== undefined ? { referer: resolve(base, input.policies.referer) } : {}),
    },
  })
}
