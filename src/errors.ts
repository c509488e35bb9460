/**
 * Every error ossvend raises on purpose carries a stable `code`. Callers switch on `code`,
 * never on the class or the message text.
 */

/** One problem found in a document, located by a JSON Pointer (RFC 6901). */
export interface Issue {
  readonly pointer: string
  readonly code: string
  readonly message: string
}

export type ErrorCode =
  | 'ERR_POLICY_INVALID'
  | 'ERR_TEMPLATE_INVALID'
  | 'ERR_TEMPLATE_VALUE'
  | 'ERR_SESSION_POLICY_TOO_LARGE'
  | 'ERR_POLICY_PROBE_FAILED'
  | 'ERR_OPERATION_INVALID'
  | 'ERR_CONFIG_INVALID'

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A policy document failed the grammar or the semantic pass; `issues` lists every problem. */
export class PolicyInvalidError extends AppError {
  readonly code = 'ERR_POLICY_INVALID'
  readonly source: string
  readonly issues: readonly Issue[]
  constructor(source: string, issues: readonly Issue[]) {
    super(`${source}: invalid policy (${issues.length} issue${issues.length === 1 ? '' : 's'})`)
    this.source = source
    this.issues = issues
  }
}

/** A policy template is malformed (unknown variable, bad shape). */
export class TemplateInvalidError extends AppError {
  readonly code = 'ERR_TEMPLATE_INVALID'
  readonly source: string
  readonly issues: readonly Issue[]
  constructor(source: string, issues: readonly Issue[]) {
    super(`${source}: invalid template (${issues.length} issue${issues.length === 1 ? '' : 's'})`)
    this.source = source
    this.issues = issues
  }
}

/** A value offered for a template variable is outside that variable's character set. */
export class TemplateValueError extends AppError {
  readonly code = 'ERR_TEMPLATE_VALUE'
  readonly variable: string
  constructor(variable: string, rule: string) {
    // The offending value is deliberately left out: it is untrusted input.
    super(`value for \${${variable}} is not allowed: ${rule}`)
    this.variable = variable
  }
}

/** The rendered session policy exceeds STS's limit on the `Policy` parameter. */
export class SessionPolicyTooLargeError extends AppError {
  readonly code = 'ERR_SESSION_POLICY_TOO_LARGE'
  readonly size: number
  readonly limit: number
  constructor(size: number, limit: number) {
    super(`rendered session policy is ${size} characters; STS accepts at most ${limit}`)
    this.size = size
    this.limit = limit
  }
}

/** One request the probe expected to be denied (or allowed) that was decided otherwise. */
export interface ProbeViolation {
  readonly code: string
  readonly message: string
}

/** A rendered policy reaches outside the user's prefix, so it must not be used. */
export class PolicyProbeFailedError extends AppError {
  readonly code = 'ERR_POLICY_PROBE_FAILED'
  readonly violations: readonly ProbeViolation[]
  constructor(violations: readonly ProbeViolation[]) {
    super(
      `rendered policy reaches outside the user's prefix: ${violations
        .map((v) => v.code)
        .join(', ')}`,
    )
    this.violations = violations
  }
}

/** An OSS operation was named that the catalogue does not know, or lacks a parameter it needs. */
export class OperationInvalidError extends AppError {
  readonly code = 'ERR_OPERATION_INVALID'
}

/** `config.json` (or its environment overrides) failed validation. */
export class ConfigInvalidError extends AppError {
  readonly code = 'ERR_CONFIG_INVALID'
  readonly issues: readonly Issue[]
  constructor(source: string, issues: readonly Issue[]) {
    super(`${source}: invalid configuration (${issues.length} issue${issues.length === 1 ? '' : 's'})`)
    this.issues = issues
  }
}
