export interface AssumeRoleInput {
  readonly roleArn: string
  readonly sessionName: string
  /** The compact session policy JSON, exactly as it is sent. */
  readonly policy: string
  readonly durationSec: number
}

export interface StsCredentials {
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly securityToken: string
  /** STS's own `YYYY-MM-DDTHH:mm:ssZ`, passed through unchanged. */
  readonly expiration: string
  /** Epoch milliseconds of `expiration`. */
  readonly expiresAt: number
}

/** How a failed STS call should be treated. */
export type StsFailureKind =
  /** Timeouts, connection errors, 5xx, malformed answers: retry, count towards the breaker. */
  | 'retryable'
  /** Throttling: retry after `retryAfterMs`, count towards the breaker. */
  | 'throttled'
  /** Bad parameters, policy grammar: a bug on our side; never retried. */
  | 'rejected'
  /** NoPermission, unknown or inactive AccessKey, signature mismatch: configuration; never retried. */
  | 'forbidden'

export class StsCallError extends Error {
  override readonly name = 'StsCallError'
  readonly kind: StsFailureKind
  /** STS's error code (`Throttling.User`) or a local one (`Timeout`, `Network`, `MalformedResponse`). */
  readonly stsCode: string
  readonly requestId: string | undefined
  readonly retryAfterMs: number | undefined
  constructor(kind: StsFailureKind, stsCode: string, options: { requestId?: string; retryAfterMs?: number; cause?: unknown } = {}) {
    super(`STS ${kind}: ${stsCode}`, { cause: options.cause })
    this.kind = kind
    this.stsCode = stsCode
    this.requestId = options.requestId
    this.retryAfterMs = options.retryAfterMs
  }
}

/** The one thing ossvend asks of STS. */
export interface StsClient {
  assumeRole(input: AssumeRoleInput): Promise<StsCredentials>
}
