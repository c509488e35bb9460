import { resolve } from 'node:path'
import { loadConfig } from '../config/load.js'
import type { Config } from '../config/types.js'
import { createScopeSet, isRulesRendered, readScopeSetting, type ScopePolicy } from '../grant/scopes.js'
import { MAX_SESSION_POLICY_CHARS } from '../policy/render.js'
import { UsageError, type CliIo } from './io.js'

export interface CliScopeRequest {
  readonly config: string
  readonly scope: string
  /** A user id; `guest.<id>` renders as a guest (the `guest` role only). */
  readonly user: string
  /** `--claim NAME=VALUE`, for path rules naming `{claims.NAME}`. */
  readonly claims?: readonly string[]
}

/**
 * What `/v1/sts` would vend for a user in a scope of a config: the template rendered and probed,
 * or the path rules compiled and proved; the same code the server runs.
 * @throws {UsageError} for an unknown scope or a malformed --claim.
 */
export async function renderScopeForCli(io: CliIo, request: CliScopeRequest): Promise<{ config: Config; rendered: ScopePolicy }> {
  const config = await loadConfig({ path: resolve(io.cwd, request.config), env: {} })
  const setting = Object.hasOwn(config.policies.scopes, request.scope) ? config.policies.scopes[request.scope] : undefined
  if (setting === undefined) {
    throw new UsageError(`unknown scope "${request.scope}"; config.json defines: ${Object.keys(config.policies.scopes).join(', ')}`)
  }
  const claims: Record<string, string> = {}
  for (const pair of request.claims ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--claim takes NAME=VALUE; got "${pair}"`)
    Object.defineProperty(claims, pair.slice(0, eq), { value: pair.slice(eq + 1), enumerable: true })
  }
  const source = await readScopeSetting(request.scope, setting, config)
  const scopes = createScopeSet(new Map([[request.scope, source]]), config)
  return { config, rendered: scopes.render(request.scope, request.user, claims) }
}

/** The size line and, for path rules, the proof's table: rule, role, verb, sample, both answers. */
export function formatScopeReport(scope: string, user: string, rendered: ScopePolicy): string {
  const lines = [
    `scope ${scope}, user ${user}, prefix ${rendered.prefix}: ${rendered.size} of ${MAX_SESSION_POLICY_CHARS} characters, sha256 ${rendered.hash}`,
  ]
  if (!isRulesRendered(rendered)) {
    lines.push(`probe: ${rendered.probe.probes} requests outside the prefix denied; allowed inside: ${rendered.probe.allowedInside.join(', ') || 'nothing'}`)
    return `${lines.join('\n')}\n`
  }
  lines.push(`proof: ${rendered.probe.probes} decisions of the policy equal the rules' own (${rendered.probe.violations.length} differ)`)
  const rows = rendered.probe.table.map((r) => [r.rule, r.role, r.verb, `${r.bucket}/${r.sample}`, r.rules ? 'allow' : 'deny', r.policy ? 'allow' : 'deny', r.rules === r.policy ? 'ok' : 'DIFFERS'])
  const header = ['rule', 'role', 'verb', 'sample', 'rules', 'policy', '']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  for (const row of [header, ...rows]) lines.push(row.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd())
  return `${lines.join('\n')}\n`
}
