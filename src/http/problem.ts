import { AppError, type ErrorCode, type Issue } from '../errors.js'

export interface ProblemSpec {
  readonly status: number
  readonly title: string
  /** Whether the occurrence's message may be shown to the client (4xx that reveal nothing). */
  readonly expose: boolean
}

/** Every error code and its HTTP status; the compiler proves the table complete. */
export const PROBLEMS = {
  ERR_REQUEST_INVALID: { status: 400, title: 'Invalid request', expose: true },
  ERR_REQUEST_MALFORMED: { status: 400, title: 'Malformed request body', expose: false },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large', expose: true },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', expose: true },
  ERR_KEY_OUTSIDE_PREFIX: { status: 400, title: 'Key outside your prefix', expose: true },
  ERR_AUTH_REQUIRED: { status: 401, title: 'Authentication required', expose: true },
  ERR_AUTH_INVALID: { status: 401, title: 'Invalid token', expose: false },
  ERR_AUTH_EXPIRED: { status: 401, title: 'Token expired', expose: false },
  ERR_IDP_UNAVAILABLE: { status: 401, title: 'Identity provider keys unavailable', expose: false },
  ERR_LOGIN_FAILED: { status: 401, title: 'Invalid username or password', expose: false },
  ERR_LOGIN_THROTTLED: { status: 429, title: 'Too many failed logins', expose: false },
  ERR_RATE_LIMITED: { status: 429, title: 'Too many requests', expose: true },
  ERR_SCOPE_UNKNOWN: { status: 400, title: 'Unknown scope', expose: true },
  ERR_SCOPE_FORBIDDEN: { status: 403, title: 'Scope not allowed for this user', expose: false },
  ERR_CLAIM_UNUSABLE: { status: 403, title: 'A claim the access rules need is missing or unusable', expose: true },
  ERR_ACCESS_DENIED: { status: 403, title: 'Access denied', expose: false },
  ERR_NOT_FOUND: { status: 404, title: 'Not found', expose: false },
  ERR_CALLBACK_UNVERIFIED: { status: 400, title: 'Callback not verified', expose: false },
  ERR_CALLBACK_REPLAYED: { status: 409, title: 'Callback already processed', expose: false },
  ERR_STS_UPSTREAM: { status: 502, title: 'Credential service refused the request', expose: false },
  ERR_STS_UNAVAILABLE: { status: 503, title: 'Credential service unavailable', expose: false },
  ERR_STORE_UNAVAILABLE: { status: 503, title: 'Shared store unavailable', expose: false },
  ERR_INTERNAL: { status: 500, title: 'Internal error', expose: false },
  ERR_POLICY_INVALID: { status: 500, title: 'Server policy invalid', expose: false },
  ERR_TEMPLATE_INVALID: { status: 500, title: 'Server policy template invalid', expose: false },
  ERR_TEMPLATE_VALUE: { status: 400, title: 'User id not allowed in a policy', expose: true },
  ERR_SESSION_POLICY_TOO_LARGE: { status: 500, title: 'Session policy too large', expose: false },
  ERR_POLICY_PROBE_FAILED: { status: 500, title: 'Session policy refused by the probe', expose: false },
  ERR_OPERATION_INVALID: { status: 400, title: 'Invalid operation', expose: true },
  ERR_CONFIG_INVALID: { status: 500, title: 'Server configuration invalid', expose: false },
} as const satisfies Record<ErrorCode, ProblemSpec>

export interface Problem {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: {
    readonly type: string
    readonly title: string
    readonly status: number
    readonly detail?: string
    readonly code: ErrorCode
    readonly instance: string
    readonly requestId: string
    readonly errors?: readonly { readonly pointer: string; readonly code: string; readonly detail: string }[]
    readonly reason?: string
  }
}

/**
 * RFC 6750 section 3: no error code when the request had no token (3.1), `invalid_token` when
 * the token was refused, whatever the reason (which is logged, never sent).
 */
const BEARER_CHALLENGES = {
  ERR_AUTH_REQUIRED: 'Bearer realm="ossvend"',
  ERR_AUTH_INVALID: 'Bearer realm="ossvend", error="invalid_token", error_description="the access token is not valid"',
  ERR_AUTH_EXPIRED: 'Bearer realm="ossvend", error="invalid_token", error_description="the access token expired"',
  ERR_IDP_UNAVAILABLE: 'Bearer realm="ossvend", error="invalid_token", error_description="the identity provider keys cannot be used now"',
} as const satisfies Partial<Record<ErrorCode, string>>

/** Turns any thrown value into an RFC 9457 problem; the only place error bodies are made. */
export function toProblem(err: unknown, instance: string, requestId: string): Problem {
  const appError = err instanceof AppError ? err : undefined
  const code: ErrorCode = appError?.code ?? bodyParserCode(err) ?? 'ERR_INTERNAL'
  const spec: ProblemSpec = PROBLEMS[code]
  const headers: Record<string, string> = {}
  const retryAfter = (appError as { retryAfterSec?: number } | undefined)?.retryAfterSec
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
  const challenge = BEARER_CHALLENGES[code as keyof typeof BEARER_CHALLENGES] as string | undefined
  if (challenge !== undefined) headers['www-authenticate'] = challenge
  const issues = (appError as { issues?: readonly Issue[] } | undefined)?.issues
  const reason = (appError as { reason?: string } | undefined)?.reason
  return {
    status: spec.status,
    headers,
    body: {
      type: `tag:ossvend,2026:problem:${code.slice(4).toLowerCase().replaceAll('_', '-')}`,
      title: spec.title,
      status: spec.status,
      ...(spec.expose && appError ? { detail: appError.message } : {}),
      code,
      instance,
      requestId,
      ...(spec.expose && issues && code === 'ERR_REQUEST_INVALID' ? { errors: issues.map((i) => ({ pointer: i.pointer, code: i.code, detail: i.message })) } : {}),
      ...((code === 'ERR_ACCESS_DENIED' || code === 'ERR_CLAIM_UNUSABLE') && reason ? { reason } : {}),
    },
  }
}

/** body-parser marks its errors with `type`; they are request errors, not server faults. */
function bodyParserCode(err: unknown): ErrorCode | undefined {
  const type = (err as { type?: string } | undefined)?.type
  if (type === 'entity.too.large') return 'ERR_PAYLOAD_TOO_LARGE'
  if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'entity.verify.failed' || type === 'request.aborted') {
    return 'ERR_REQUEST_MALFORMED'
  }
  return undefined
}
