import { createHash } from 'node:crypto'
import { PolicyInvalidError, PolicyProbeFailedError, SessionPolicyTooLargeError } from '../errors.js'
import { parseJsonText } from '../lib/parse-json.js'
import { stableStringify } from '../lib/stable-json.js'
import { MAX_POLICY_DEPTH, parsePolicy } from './parse.js'
import { probeSessionPolicy, type ProbeReport } from './probe.js'
import { checkTemplateValues, substitute, type PolicyTemplate, type TemplateValues } from './template.js'
import type { Policy } from './types.js'

/** STS AssumeRole accepts a `Policy` of 1 to 2,048 characters (since the 2022 upgrade). */
export const MAX_SESSION_POLICY_CHARS = 2048

export interface RenderedPolicy {
  readonly policy: Policy
  /** Compact JSON exactly as it will be sent to STS. */
  readonly text: string
  readonly size: number
  /** The user's key prefix, e.g. `alice/`. */
  readonly prefix: string
  /** sha256 of the key-sorted JSON: equal policies give equal hashes (cache keys, audit). */
  readonly hash: string
  readonly probe: ProbeReport
  /** What it was rendered with (user, bucket, account): a simulator of it assumes the same. */
  readonly values: TemplateValues
}

/**
 * Renders a template for one user: checks the values, substitutes them as literals into a
 * copy of the template object, serialises it compactly, and probes the result.
 * @throws {TemplateValueError} ERR_TEMPLATE_VALUE when a value is outside its character set.
 * @throws {SessionPolicyTooLargeError} ERR_SESSION_POLICY_TOO_LARGE above 2,048 characters.
 * @throws {PolicyProbeFailedError} ERR_POLICY_PROBE_FAILED when it reaches outside the prefix.
 */
export function renderSessionPolicy(template: PolicyTemplate, values: TemplateValues): RenderedPolicy {
  checkTemplateValues(values)
  const document = substitute(template.policy, values)
  const text = JSON.stringify(document)
  if (text.length > MAX_SESSION_POLICY_CHARS) {
    throw new SessionPolicyTooLargeError(text.length, MAX_SESSION_POLICY_CHARS)
  }
  // Everything below reads the text itself, parsed back: the checks see exactly what STS gets,
  // never the object beside it.
  const name = `${template.name}(${values.user})`
  const sent = parseJsonText(text, { maxDepth: MAX_POLICY_DEPTH })
  if (!sent.ok) throw new PolicyInvalidError(name, [sent.issue])
  const policy = parsePolicy(sent.value, { name })
  const prefix = substitute(template.prefix, values) as string
  const probe = probeSessionPolicy(policy, { ...values, prefix })
  if (probe.violations.length > 0) throw new PolicyProbeFailedError(probe.violations)
  const hash = createHash('sha256').update(stableStringify(sent.value)).digest('hex')
  return { policy, text, size: text.length, prefix, hash, probe, values: { user: values.user, bucket: values.bucket, account: values.account } }
}
