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
  | 'ERR_REQUEST_INVALID'
  | 'ERR_REQUEST_MALFORMED'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_KEY_OUTSIDE_PREFIX'
  | 'ERR_AUTH_REQUIRED'
  | 'ERR_AUTH_INVALID'
  | 'ERR_AUTH_EXPIRED'
  | 'ERR_IDP_UNAVAILABLE'
  | 'ERR_LOGIN_FAILED'
  | 'ERR_LOGIN_THROTTLED'
  | 'ERR_RATE_LIMITED'
  | 'ERR_SCOPE_UNKNOWN'
  | 'ERR_SCOPE_FORBIDDEN'
  | 'ERR_CLAIM_UNUSABLE'
  | 'ERR_ACCESS_DENIED'
  | 'ERR_NOT_FOUND'
  | 'ERR_CALLBACK_UNVERIFIED'
  | 'ERR_CALLBACK_REPLAYED'
  | 'ERR_STS_UPSTREAM'
  | 'ERR_STS_UNAVAILABLE'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_INTERNAL'
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

/** A document (policy, template, config) failed validation; `issues` lists every problem. */
abstract class DocumentInvalidError extends AppError {
  readonly source: string
  readonly issues: readonly Issue[]
  constructor(what: string, source: string, issues: readonly Issue[]) {
    super(`${source}: invalid ${what} (${issues.length} issue${issues.length === 1 ? '' : 's'})`)
    this.source = source
    this.issues = issues
  }
}

/** A policy document failed the grammar or the semantic pass. */
export class PolicyInvalidError extends DocumentInvalidError {
  readonly code = 'ERR_POLICY_INVALID'
  constructor(source: string, issues: readonly Issue[]) {
    super('policy', source, issues)
  }
}

/** A policy template is malformed (unknown variable, bad shape). */
export class TemplateInvalidError extends DocumentInvalidError {
  readonly code = 'ERR_TEMPLATE_INVALID'
  constructor(source: string, issues: readonly Issue[]) {
    super('template', source, issues)
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
export class ConfigInvalidError extends DocumentInvalidError {
  readonly code = 'ERR_CONFIG_INVALID'
  constructor(source: string, issues: readonly Issue[]) {
    super('configuration', source, issues)
  }
}

/** A request body or query failed validation; `issues` lists each problem with its pointer. */
export class RequestInvalidError extends AppError {
  readonly code = 'ERR_REQUEST_INVALID'
  readonly issues: readonly Issue[]
  constructor(issues: readonly Issue[]) {
    super(issues.map((i) => `${i.pointer || '/'}: ${i.message}`).join('; '))
    this.issues = issues
  }
}

/** The body is not parsable (broken JSON). */
export class RequestMalformedError extends AppError {
  readonly code = 'ERR_REQUEST_MALFORMED'
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'ERR_PAYLOAD_TOO_LARGE'
}

/** A body was sent in a media type the route does not read (JSON routes read application/json). */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE'
}

/** An object key (or key prefix) names another prefix than the caller's: refused, never rewritten. */
export class KeyOutsidePrefixError extends AppError {
  readonly code = 'ERR_KEY_OUTSIDE_PREFIX'
  readonly pointer: string
  constructor(pointer: string, prefix: string) {
    super(`${pointer.slice(1)} must be a full object key under your prefix "${prefix}"`)
    this.pointer = pointer
  }
}

/** No credentials were presented. */
export class AuthRequiredError extends AppError {
  readonly code = 'ERR_AUTH_REQUIRED'
}

/** A token was presented and rejected. The reason goes to the log only, never to the client. */
export class AuthInvalidError extends AppError {
  readonly code = 'ERR_AUTH_INVALID'
}

export class AuthExpiredError extends AppError {
  readonly code = 'ERR_AUTH_EXPIRED'
}

/** Wrong username or password; the same for an unknown user, so accounts cannot be probed. */
export class LoginFailedError extends AppError {
  readonly code = 'ERR_LOGIN_FAILED'
  constructor() {
    super('invalid username or password')
  }
}

/** Worth retrying after `retryAfterSec` (sent as `Retry-After`). */
abstract class RetryLaterError extends AppError {
  readonly retryAfterSec: number
  constructor(message: string, retryAfterSec: number, options?: { cause?: unknown }) {
    super(message, options)
    this.retryAfterSec = retryAfterSec
  }
}

/** The user made more requests this minute than `server.userRequestsPerMinute` allows. */
export class RateLimitedError extends RetryLaterError {
  readonly code = 'ERR_RATE_LIMITED'
  constructor(retryAfterSec: number) {
    super('too many requests; try again later', retryAfterSec)
  }
}

export class LoginThrottledError extends RetryLaterError {
  readonly code = 'ERR_LOGIN_THROTTLED'
  constructor(retryAfterSec: number) {
    super('too many failed logins; try again later', retryAfterSec)
  }
}

export class ScopeUnknownError extends AppError {
  readonly code = 'ERR_SCOPE_UNKNOWN'
}

/** The user may not use this scope. */
export class ScopeForbiddenError extends AppError {
  readonly code = 'ERR_SCOPE_FORBIDDEN'
}

/** Refused for a stable `reason` code, which is logged; the client gets the message only. */
abstract class ReasonedError extends AppError {
  readonly reason: string
  constructor(reason: string, message: string) {
    super(message)
    this.reason = reason
  }
}

/** The policy engine did not allow the request; `reason` is the engine's stable reason code. */
export class AccessDeniedError extends ReasonedError {
  readonly code = 'ERR_ACCESS_DENIED'
  constructor(reason: string, message = 'access denied') {
    super(reason, message)
  }
}

/**
 * A path rule names an identity-token claim the caller lacks, or whose value is outside the user
 * id characters; `reason` is `claim-missing` or `claim-charset`. Never an empty segment.
 */
export class ClaimUnusableError extends ReasonedError {
  readonly code = 'ERR_CLAIM_UNUSABLE'
}

export class NotFoundError extends AppError {
  readonly code = 'ERR_NOT_FOUND'
}

/** STS refused the request for a reason retrying cannot fix (bad parameter, no permission). */
export class StsUpstreamError extends AppError {
  readonly code = 'ERR_STS_UPSTREAM'
  readonly upstreamCode: string
  readonly requestId: string | undefined
  constructor(upstreamCode: string, requestId?: string, options?: { cause?: unknown }) {
    super(`STS refused AssumeRole: ${upstreamCode}`, options)
    this.upstreamCode = upstreamCode
    this.requestId = requestId
  }
}

/** STS cannot be reached in time (timeouts, 5xx, throttling, open circuit). */
export class StsUnavailableError extends RetryLaterError {
  readonly code = 'ERR_STS_UNAVAILABLE'
}

/** The shared store (Redis) is down and the request needs shared state to be safe. */
export class StoreUnavailableError extends RetryLaterError {
  readonly code = 'ERR_STORE_UNAVAILABLE'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 2, options)
  }
}

/** Anything unexpected; its cause is logged, never sent. */
export class InternalError extends AppError {
  readonly code = 'ERR_INTERNAL'
}

/**
 * The identity provider's key set cannot be used: unreachable, too large, not https, not a key
 * set, duplicate kids, no usable keys held. A 401 (RFC 6750 `invalid_token`): the token cannot
 * be verified now; the cause is logged, never sent.
 */
export class IdpUnavailableError extends AppError {
  readonly code = 'ERR_IDP_UNAVAILABLE'
}

/** An upload callback failed verification; the reason is logged, never sent. */
export class CallbackUnverifiedError extends ReasonedError {
  readonly code = 'ERR_CALLBACK_UNVERIFIED'
  constructor(reason: string) {
    super(reason, 'callback not verified')
  }
}

/** The same upload callback arrived twice. */
export class CallbackReplayedError extends AppError {
  readonly code = 'ERR_CALLBACK_REPLAYED'
}
