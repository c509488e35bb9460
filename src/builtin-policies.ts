import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { loadPolicyFile, loadTemplateFile } from './policy/load.js'
import type { PolicyTemplate } from './policy/template.js'
import type { Policy, PolicyKind } from './policy/types.js'

/** The package's `policies/` folder: templates, the role policy, the seed's seven policies. */
export const BUILT_IN_POLICIES_DIR = fileURLToPath(new URL('../policies/', import.meta.url))

/** The built-in session policy templates, by the scope names of the default config. */
export const BUILT_IN_TEMPLATES = ['read', 'write', 'read-write'] as const
export type BuiltInTemplate = (typeof BUILT_IN_TEMPLATES)[number]

const NAME = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/

/**
 * The path of a built-in policy file by name, e.g. `templates/read-write`, `role/app-role`,
 * `seed/p3-read-only-prefix` (the `.json` is optional). Names are checked, never joined blindly.
 */
export function builtInPolicyPath(name: string): string {
  const bare = name.endsWith('.json') ? name.slice(0, -5) : name
  if (!NAME.test(bare)) throw new TypeError(`not a built-in policy name: ${JSON.stringify(name)} (e.g. "templates/read-write", "role/app-role")`)
  return join(BUILT_IN_POLICIES_DIR, `${bare}.json`)
}

/** A built-in template by scope name (`read`, `write`, `read-write`). */
export function loadBuiltInTemplate(name: BuiltInTemplate): Promise<PolicyTemplate> {
  if (!(BUILT_IN_TEMPLATES as readonly string[]).includes(name)) {
    return Promise.reject(new TypeError(`no built-in template "${name}"; there are ${BUILT_IN_TEMPLATES.join(', ')}`))
  }
  return loadTemplateFile(builtInPolicyPath(`templates/${name}`))
}

/** A built-in policy by name, e.g. `role/app-role` or `seed/p7-read-write-prefix`. */
export function loadBuiltInPolicy(name: string, kind: PolicyKind = 'identity'): Promise<Policy> {
  return loadPolicyFile(builtInPolicyPath(name), kind, name)
}
