import { readFile } from 'node:fs/promises'
import { ScopeUnknownError, TemplateInvalidError, type Issue } from '../errors.js'
import type { Config, ScopeSetting } from '../config/types.js'
import { GUEST_PROVIDER, providerOf } from '../auth/user-id.js'
import { parseJsonText } from '../lib/parse-json.js'
import { MAX_POLICY_TEXT_CHARS } from '../policy/parse.js'
import { MAX_SESSION_POLICY_CHARS, renderSessionPolicy, type RenderedPolicy } from '../policy/render.js'
import { parseTemplate, type PolicyTemplate } from '../policy/template.js'
import { compileGrants } from '../policy/path-rules/compile.js'
import { resolveGrants, type RuleCaller } from '../policy/path-rules/grants.js'
import { bucketsOf, renderRules, type RulesRendered } from '../policy/path-rules/render-rules.js'
import { isRuleSetDocument, parseRuleSet, type RuleSet } from '../policy/path-rules/rule-set.js'

/** A scope is a policy template around `${user}`, or path rules (policies/rules/*.json). */
export type ScopeSource =
  | { readonly kind: 'template'; readonly template: PolicyTemplate }
  | { readonly kind: 'rules'; readonly rules: RuleSet; readonly buckets: readonly string[] }

export type ScopePolicy = RenderedPolicy | RulesRendered

export interface Scopes {
  readonly names: readonly string[]
  readonly defaultScope: string
  /** Every `{claims.NAME}` some rules scope reads: what an exchanged session keeps of its token. */
  readonly claimNames: readonly string[]
  /**
   * The session policy for a user in a scope, rendered and probed; memoised, since the same user
   * asks again and again. `claims` are the caller's token claims, for rules naming `{claims.NAME}`.
   * @throws ScopeUnknownError, TemplateValueError, PolicyProbeFailedError, ClaimUnusableError
   */
  render(scope: string, userId: string, claims?: Readonly<Record<string, unknown>>): ScopePolicy
  /** How a scope is written; undefined for an unknown scope. */
  source(scope: string): ScopeSource | undefined
}

/** Whether a rendered scope policy came from path rules. */
export function isRulesRendered(rendered: ScopePolicy): rendered is RulesRendered {
  return 'grants' in rendered
}

/** The role a user id holds under path rules: guests are `guest.<id>` (auth/user-id.ts). */
export function ruleCallerOf(userId: string, claims?: Readonly<Record<string, unknown>>): RuleCaller {
  return { user: userId, guest: providerOf(userId) === GUEST_PROVIDER, ...(claims ? { claims } : {}) }
}

/** A sample user id as long as ids get (63), so a rule set that fits for it fits for everyone. */
const LONGEST_SAMPLE_USER = `probe-sample-${'x'.repeat(50)}`
const LONGEST_SAMPLE_CLAIM = `c${'x'.repeat(62)}`

/**
 * Loads every scope at start-up and proves each one safe: a template is rendered and probed for
 * a sample user; a rules file is compiled for the longest sample signed-in user and a guest
 * (claims at their longest), size-checked rule by rule, and proved against its rules, so a
 * faulty scope stops start-up (exit 78, the rule's JSON path) instead of failing per request.
 */
export async function loadScopes(config: Config, maxMemo = 50_000): Promise<Scopes> {
  const sources = new Map<string, ScopeSource>()
  for (const [name, setting] of Object.entries(config.policies.scopes)) sources.set(name, await readScopeSetting(name, setting, config))
  return createScopeSet(sources, config, maxMemo)
}

/**
 * A scope's source from its setting: the file it names, or path rules written in the
 * configuration (errors then name `policies.scopes.NAME`, pointers inside it).
 */
export async function readScopeSetting(name: string, setting: ScopeSetting, config: Pick<Config, 'oss'>): Promise<ScopeSource> {
  if (typeof setting === 'string') return parseScopeText(await readFile(setting, 'utf8'), setting, config)
  const where = `policies.scopes.${name}`
  const rules = parseRuleSet(setting, where)
  checkRuleSet(rules, where, config)
  return { kind: 'rules', rules, buckets: bucketsOf(rules, config.oss.bucket) }
}

/**
 * Reads a scope file's text: a rules document (it has `rules`) or a template.
 * @throws {TemplateInvalidError} ERR_TEMPLATE_INVALID with every issue's JSON pointer.
 */
export function parseScopeText(text: string, path: string, config: Pick<Config, 'oss'>): ScopeSource {
  const json = parseJsonText(text, { maxChars: MAX_POLICY_TEXT_CHARS, maxDepth: 9 })
  if (!json.ok) throw new TemplateInvalidError(path, [json.issue])
  if (!isRuleSetDocument(json.value)) {
    const template = parseTemplate(json.value, path)
    renderSessionPolicy(template, { user: 'probe-sample', bucket: config.oss.bucket, account: config.oss.account })
    return { kind: 'template', template }
  }
  const rules = parseRuleSet(json.value, path)
  checkRuleSet(rules, path, config)
  return { kind: 'rules', rules, buckets: bucketsOf(rules, config.oss.bucket) }
}

function checkRuleSet(rules: RuleSet, path: string, config: Pick<Config, 'oss'>): void {
  const issues: Issue[] = []
  const regionOf = (bucket: string) => config.oss.buckets?.[bucket]?.region ?? config.oss.region
  const firstRegion = regionOf(rules.rules[0]?.bucket ?? config.oss.bucket)
  for (const rule of rules.rules) {
    const bucket = rule.bucket ?? config.oss.bucket
    if (bucket !== config.oss.bucket && !(config.oss.buckets && Object.hasOwn(config.oss.buckets, bucket))) {
      issues.push({ pointer: `${rule.pointer}/bucket`, code: 'rules.bucket-unknown', message: `"${bucket}" is neither oss.bucket nor a key of oss.buckets` })
    } else if (regionOf(bucket) !== firstRegion) {
      issues.push({ pointer: `${rule.pointer}/bucket`, code: 'rules.regions', message: `"${bucket}" is in ${regionOf(bucket)}, an earlier rule's bucket in ${firstRegion}: one STS token serves one region, so a scope's buckets must share it` })
    }
  }
  if (issues.length > 0) throw new TemplateInvalidError(path, issues)
  const claims = Object.fromEntries(rules.claims.map((c) => [c, LONGEST_SAMPLE_CLAIM]))
  const target = { account: config.oss.account, defaultBucket: config.oss.bucket }
  for (const caller of [{ user: LONGEST_SAMPLE_USER, guest: false, claims }, { user: `guest._${'0'.repeat(40)}`, guest: true, claims }]) {
    // Rule by rule, so the error names the rule that crosses the limit.
    for (let n = 1; n <= rules.rules.length; n++) {
      const grants = resolveGrants({ ...rules, rules: rules.rules.slice(0, n) }, caller, config.oss.bucket)
      const size = JSON.stringify(compileGrants(grants, config.oss.account)).length
      if (size > MAX_SESSION_POLICY_CHARS) {
        const rule = rules.rules[n - 1]
        throw new TemplateInvalidError(path, [{
          pointer: rule?.pointer ?? '/rules',
          code: 'rules.too-large',
          message: `with this rule the session policy for a ${caller.guest ? 'guest' : 'signed-in user'} (longest id) is ${size} characters; STS accepts at most ${MAX_SESSION_POLICY_CHARS}`,
        }])
      }
    }
    if (resolveGrants(rules, caller, config.oss.bucket).length > 0) renderRules(rules, caller, target)
  }
}

/** Scopes from templates only (tests and the library); see createScopeSet for rules too. */
export function createScopes(templates: ReadonlyMap<string, PolicyTemplate>, config: Pick<Config, 'oss' | 'policies'>, maxMemo = 50_000): Scopes {
  const sources = new Map<string, ScopeSource>([...templates].map(([name, template]) => [name, { kind: 'template', template }]))
  return createScopeSet(sources, config, maxMemo)
}

export function createScopeSet(sources: ReadonlyMap<string, ScopeSource>, config: Pick<Config, 'oss' | 'policies'>, maxMemo = 50_000): Scopes {
  const memo = new Map<string, ScopePolicy>()
  return {
    names: [...sources.keys()],
    defaultScope: config.policies.defaultScope,
    claimNames: [...new Set([...sources.values()].flatMap((s) => (s.kind === 'rules' ? s.rules.claims : [])))],
    source: (scope) => sources.get(scope),
    render(scope, userId, claims) {
      const source = sources.get(scope)
      if (!source) throw new ScopeUnknownError(`unknown scope; known scopes: ${[...sources.keys()].join(', ')}`)
      // Only the claims the rules read make a difference, so only those key the memo.
      const used = source.kind === 'rules' && source.rules.claims.length > 0
        ? Object.fromEntries(source.rules.claims.map((c) => [c, claims && Object.hasOwn(claims, c) ? claims[c] : undefined]))
        : undefined
      const key = `${scope}\u0000${userId}${used ? `\u0000${JSON.stringify(used)}` : ''}`
      const cached = memo.get(key)
      if (cached) return cached
      const rendered = source.kind === 'template'
        ? renderSessionPolicy(source.template, { user: userId, bucket: config.oss.bucket, account: config.oss.account })
        : renderRules(source.rules, ruleCallerOf(userId, used), { account: config.oss.account, defaultBucket: config.oss.bucket })
      if (memo.size >= maxMemo) memo.delete(memo.keys().next().value as string)
      memo.set(key, rendered)
      return rendered
    },
  }
}
