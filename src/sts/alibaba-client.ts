import Credential from '@alicloud/credentials'
import { Config } from '@alicloud/openapi-client'
import StsSdk, { AssumeRoleRequest } from '@alicloud/sts20150401'
import { StsCallError, type AssumeRoleInput, type StsClient, type StsCredentials, type StsFailureKind } from './types.js'

export interface AlibabaStsClientOptions {
  /** `https://sts.aliyuncs.com`, `http://127.0.0.1:PORT`, or a bare host (https). */
  readonly endpoint?: string
  readonly regionId?: string
  /** Static credentials; without them the `@alicloud/credentials` default chain is used. */
  readonly credentials?: { readonly accessKeyId: string; readonly accessKeySecret: string; readonly securityToken?: string }
  /** Per-attempt timeout (connect and read). */
  readonly timeoutMs: number
}

const STS_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const FORBIDDEN = /^(NoPermission|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|Forbidden|MissingSecurityToken)/
// These packages are CommonJS with `exports.default`: imported from ESM, the class sits one level down.
const SdkClient = ((StsSdk as unknown as { default?: unknown }).default ?? StsSdk) as typeof StsSdk.default
const CredentialClass = ((Credential as unknown as { default?: unknown }).default ?? Credential) as new () => unknown

/**
 * AssumeRole through `@alicloud/sts20150401` (1.2.0: ACS3-HMAC-SHA256), configured with
 * `@alicloud/openapi-client`'s `Config`. SDK retries stay off; retrying is the caller's policy.
 * Errors become `StsCallError`s that say whether retrying can help; the answer is checked so a
 * malformed one is never cached.
 */
export function createAlibabaStsClient(options: AlibabaStsClientOptions): StsClient {
  const { protocol, host } = splitEndpoint(options.endpoint ?? 'https://sts.aliyuncs.com')
  const config = new Config({
    endpoint: host,
    protocol,
    regionId: options.regionId ?? 'cn-hangzhou',
    readTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
    ...(options.credentials
      ? {
          accessKeyId: options.credentials.accessKeyId,
          accessKeySecret: options.credentials.accessKeySecret,
          ...(options.credentials.securityToken ? { securityToken: options.credentials.securityToken } : {}),
        }
      : { credential: new CredentialClass() }),
  })
  const client = new SdkClient(config as never)

  return {
    async assumeRole(input: AssumeRoleInput): Promise<StsCredentials> {
      let response
      try {
        response = await client.assumeRole(
          new AssumeRoleRequest({
            roleArn: input.roleArn,
            roleSessionName: input.sessionName,
            durationSeconds: input.durationSec,
            policy: input.policy,
          }),
        )
      } catch (err) {
        throw toStsCallError(err)
      }
      const c = response.body?.credentials
      const requestId = response.body?.requestId
      if (!c?.accessKeyId || !c.accessKeySecret || !c.securityToken || !c.expiration || !STS_TIMESTAMP.test(c.expiration)) {
        throw new StsCallError('retryable', 'MalformedResponse', requestId ? { requestId } : {})
      }
      return {
        accessKeyId: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        securityToken: c.securityToken,
        expiration: c.expiration,
        expiresAt: Date.parse(c.expiration),
      }
    },
  }
}

function splitEndpoint(endpoint: string): { protocol: string; host: string } {
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint)
  return match ? { protocol: match[1] as string, host: match[2] as string } : { protocol: 'https', host: endpoint }
}

/** Classifies what the SDK threw: ThrottlingError, ClientError, ServerError, or a network error. */
export function toStsCallError(err: unknown): StsCallError {
  const e = (err ?? {}) as { name?: string; code?: string; statusCode?: number; requestId?: string; retryAfter?: number; data?: { RequestId?: string } }
  const requestId = e.requestId ?? e.data?.RequestId
  const base = { ...(requestId ? { requestId } : {}), cause: err }
  const code = typeof e.code === 'string' ? e.code : 'Unknown'
  if (e.name === 'ThrottlingError' || code.includes('Throttling')) {
    return new StsCallError('throttled', code, { ...base, ...(typeof e.retryAfter === 'number' ? { retryAfterMs: e.retryAfter } : {}) })
  }
  if (typeof e.statusCode === 'number') {
    let kind: StsFailureKind = 'rejected'
    if (e.statusCode >= 500) kind = 'retryable'
    else if (FORBIDDEN.test(code) || e.statusCode === 403) kind = 'forbidden'
    return new StsCallError(kind, code, base)
  }
  // No HTTP status: the call never got an answer (timeout, refused, reset, DNS).
  const text = `${e.name ?? ''} ${code} ${(err as Error | undefined)?.message ?? ''}`
  return new StsCallError('retryable', /timeout|ETIMEDOUT/i.test(text) ? 'Timeout' : 'Network', base)
}
