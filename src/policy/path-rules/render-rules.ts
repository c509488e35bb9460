import { createHash } from 'node:crypto'
import { PolicyInvalidError, PolicyProbeFailedError, ScopeForbiddenError, SessionPolicyTooLargeError } from '../../errors.js'
import { parseJsonText } from '../../lib/parse-json.js'
import { stableStringify } from '../../lib/stable-json.js'
import { MAX_POLICY_DEPTH, parsePolicy } from '../parse.js'
import { MAX_SESSION_POLICY_CHARS, type RenderedPolicy } from '../render.js'
import { checkTemplateValues } from '../template.js'
import { compileGrants } from './compile.js'
import { endsWithAny, literalStart, resolveGrants, type Grant, type RuleCaller } from './grants.js'
import { proveCompiledPolicy, type RulesProof } from './prove.js'
import type { RuleSet } from './rule-set.js'

export interface RulesTarget {
  readonly account: string
  /** `oss.bucket`: where a rule without `bucket` applies. */
  readonly defaultBucket: string
}

/** A rules scope rendered for one caller: a RenderedPolicy, plus the grants and the proof's table. */
export interface RulesRendered extends RenderedPolicy {
  readonly grants: readonly Grant[]
  readonly probe: RulesProof
}

/** Every bucket a rule set names (the default one for rules without `bucket`). */
export function bucketsOf(rules: RuleSet, defaultBucket: string): string[] {
  return [...new Set(rules.rules.map((r) => r.bucket ?? defaultBucket))]
}

/**
 * Renders a rules scope for a caller: resolves the grants, compiles them, serialises compactly,
 * parses the text back (the checks see exactly what STS gets) and proves it against the rules.
 * @throws {TemplateValueError} ERR_TEMPLATE_VALUE for a user id outside its character set.
 * @throws {ClaimUnusableError} ERR_CLAIM_UNUSABLE (403) for a missing or unsafe claim.
 * @throws {ScopeForbiddenError} ERR_SCOPE_FORBIDDEN when the rules grant this caller nothing.
 * @throws {SessionPolicyTooLargeError} ERR_SESSION_POLICY_TOO_LARGE above 2,048 characters.
 * @throws {PolicyProbeFailedError} ERR_POLICY_PROBE_FAILED when the policy and the rules differ.
 */
export function renderRules(rules: RuleSet, caller: RuleCaller, target: RulesTarget): RulesRendered {
  checkTemplateValues({ user: caller.user, bucket: target.defaultBucket, account: target.account })
  const grants = resolveGrants(rules, caller, target.defaultBucket)
  if (grants.length === 0) throw new ScopeForbiddenError('the rules of this scope grant this caller nothing')
  const document = compileGrants(grants, target.account)
  const text = JSON.stringify(document)
  if (text.length > MAX_SESSION_POLICY_CHARS) throw new SessionPolicyTooLargeError(text.length, MAX_SESSION_POLICY_CHARS)
  const name = `${rules.name}(${caller.user})`
  const sent = parseJsonText(text, { maxDepth: MAX_POLICY_DEPTH })
  if (!sent.ok) throw new PolicyInvalidError(name, [sent.issue])
  const policy = parsePolicy(sent.value, { name })
  const probe = proveCompiledPolicy(rules, grants, policy, {
    caller,
    account: target.account,
    defaultBucket: target.defaultBucket,
    buckets: bucketsOf(rules, target.defaultBucket),
  })
  if (probe.violations.length > 0) throw new PolicyProbeFailedError(probe.violations)
  const hash = createHash('sha256').update(stableStringify(sent.value)).digest('hex')
  return {
    policy,
    text,
    size: text.length,
    prefix: homePrefix(grants, target.defaultBucket),
    hash,
    probe,
    values: { user: caller.user, bucket: target.defaultBucket, account: target.account },
    grants,
  }
}

/**
 * The one prefix answers that carry a single prefix (`Placement.Prefix`, `/v1/sign/post`'s default
 * directory) show: the caller's own writable area if there is one, else the first area; `''` when
 * no grant is a directory.
 */
function homePrefix(grants: readonly Grant[], defaultBucket: string): string {
  const areas = grants.filter((g) => endsWithAny(g.tokens) && literalStart(g.tokens).endsWith('/'))
  const pick =
    areas.find((g) => g.role === 'owner' && g.verbs.includes('write') && g.bucket === defaultBucket) ??
    areas.find((g) => g.verbs.includes('write') && g.bucket === defaultBucket) ??
    areas.find((g) => g.bucket === defaultBucket) ??
    areas[0]
  return pick ? literalStart(pick.tokens) : ''
}
