import { bucketUrl, type OssEndpoint } from './endpoint.js'
import { policyDocument } from './policy-json.js'
import type { Credentials } from './sign-v1.js'
import { signatureV1 } from './sign-v1.js'
import { credentialScopeV4, signatureV4, signingKeyV4, v4Timestamp, V4_ALGORITHM } from './sign-v4.js'

export type PostCondition =
  | Readonly<Record<string, string>>
  | readonly ['eq', string, string]
  | readonly ['starts-with', string, string]
  | readonly ['content-length-range', number, number]
  | readonly ['in', string, readonly string[]]
  | readonly ['not-in', string, readonly string[]]

export interface PostPolicySpec {
  readonly bucket: string
  /** When the form stops being accepted. */
  readonly expiration: Date
  /** Either a prefix every key must start with (ending in `/`) or one exact key. */
  readonly key: { readonly startsWith: string } | { readonly equals: string }
  readonly contentLength: { readonly min: number; readonly max: number }
  readonly contentTypes?: readonly string[]
  readonly successActionStatus?: '200' | '201' | '204'
  readonly forbidOverwrite?: boolean
  readonly serverSideEncryption?: { readonly algorithm: 'AES256' } | { readonly algorithm: 'KMS'; readonly keyId?: string }
  /** The base64 callback parameter; bound by the policy so it cannot be swapped. */
  readonly callback?: string
  /** `x:` variables for the callback, bound by the policy. */
  readonly callbackVars?: Readonly<Record<string, string>>
}

/**
 * Checks a spec the way minio-go checks each setter; throws RangeError with what is wrong.
 * The server derives every value here from the grant, never from client input alone.
 */
export function checkPostPolicySpec(spec: PostPolicySpec): void {
  const { min, max } = spec.contentLength
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < 1 || min > max) {
    throw new RangeError('content length range must be whole numbers with 0 <= min <= max and max >= 1')
  }
  if ('startsWith' in spec.key && !spec.key.startsWith.endsWith('/')) throw new RangeError('a key prefix must end with "/"')
  if ('equals' in spec.key && spec.key.equals === '') throw new RangeError('an exact key cannot be empty')
  if (spec.contentTypes && spec.contentTypes.length === 0) throw new RangeError('the content-type allowlist cannot be empty')
  for (const name of Object.keys(spec.callbackVars ?? {})) {
    if (!/^x:[a-z0-9_-]+$/.test(name)) throw new RangeError(`callback variable "${name}" must be x: followed by lower-case letters, digits, "_" or "-"`)
  }
}

/** The conditions and form fields both signature versions share, in the order they are sent. */
function commonParts(spec: PostPolicySpec): { conditions: PostCondition[]; fields: [string, string][] } {
  checkPostPolicySpec(spec)
  const conditions: PostCondition[] = [{ bucket: spec.bucket }]
  const fields: [string, string][] = []
  if ('startsWith' in spec.key) {
    conditions.push(['starts-with', '$key', spec.key.startsWith])
    fields.push(['key', `${spec.key.startsWith}\${filename}`])
  } else {
    conditions.push(['eq', '$key', spec.key.equals])
    fields.push(['key', spec.key.equals])
  }
  conditions.push(['content-length-range', spec.contentLength.min, spec.contentLength.max])
  const status = spec.successActionStatus ?? '200'
  conditions.push(['eq', '$success_action_status', status])
  fields.push(['success_action_status', status])
  if (spec.contentTypes) conditions.push(['in', '$content-type', spec.contentTypes])
  if (spec.forbidOverwrite) {
    conditions.push(['eq', '$x-oss-forbid-overwrite', 'true'])
    fields.push(['x-oss-forbid-overwrite', 'true'])
  }
  const sse = spec.serverSideEncryption
  if (sse) {
    conditions.push(['eq', '$x-oss-server-side-encryption', sse.algorithm])
    fields.push(['x-oss-server-side-encryption', sse.algorithm])
    if (sse.algorithm === 'KMS' && sse.keyId) {
      conditions.push(['eq', '$x-oss-server-side-encryption-key-id', sse.keyId])
      fields.push(['x-oss-server-side-encryption-key-id', sse.keyId])
    }
  }
  if (spec.callback) {
    conditions.push(['eq', '$callback', spec.callback])
    fields.push(['callback', spec.callback])
  }
  for (const [name, value] of Object.entries(spec.callbackVars ?? {})) {
    conditions.push(['eq', `$${name}`, value])
    fields.push([name, value])
  }
  return { conditions, fields }
}

export interface PostForm {
  /** Where the browser posts the form. */
  readonly host: string
  /** The policy document exactly as signed (its base64 is the `policy` field). */
  readonly policyText: string
  /**
   * Form fields in the order the browser sends them; `file` goes last, after these and after a
   * `Content-Type` field when `contentTypes` restricts it.
   */
  readonly fields: readonly (readonly [string, string])[]
  readonly expiration: Date
}

function serialise(expiration: Date, conditions: PostCondition[]): { text: string; base64: string } {
  return policyDocument(expiration, conditions)
}

/** PostObject V1: Signature = base64(HMAC-SHA1(secret, base64(policy))). */
export function buildPostFormV1(spec: PostPolicySpec, credentials: Credentials, endpoint: OssEndpoint): PostForm {
  const { conditions, fields } = commonParts(spec)
  if (credentials.securityToken) conditions.push(['eq', '$x-oss-security-token', credentials.securityToken])
  const policy = serialise(spec.expiration, conditions)
  const ordered: [string, string][] = [
    ...fields.slice(0, 1),
    ['policy', policy.base64],
    ['OSSAccessKeyId', credentials.accessKeyId],
    ['Signature', signatureV1(credentials.accessKeySecret, policy.base64)],
    ...(credentials.securityToken ? [['x-oss-security-token', credentials.securityToken] as [string, string]] : []),
    ...fields.slice(1),
  ]
  return { host: bucketUrl(endpoint, spec.bucket), policyText: policy.text, fields: ordered, expiration: spec.expiration }
}

/**
 * PostObject V4: the policy names the signature version, credential, date (and security token);
 * StringToSign is base64(policy); signature = hex(HMAC-SHA256(signing key, StringToSign)).
 */
export function buildPostFormV4(spec: PostPolicySpec, credentials: Credentials, endpoint: OssEndpoint, region: string, now: Date): PostForm {
  const { conditions, fields } = commonParts(spec)
  const { datetime, day } = v4Timestamp(now)
  const credential = `${credentials.accessKeyId}/${credentialScopeV4(day, region)}`
  conditions.splice(
    1,
    0,
    { 'x-oss-signature-version': V4_ALGORITHM },
    { 'x-oss-credential': credential },
    { 'x-oss-date': datetime },
    ...(credentials.securityToken ? [{ 'x-oss-security-token': credentials.securityToken }] : []),
  )
  const policy = serialise(spec.expiration, conditions)
  const signature = signatureV4(signingKeyV4(credentials.accessKeySecret, day, region), policy.base64)
  const ordered: [string, string][] = [
    ...fields.slice(0, 1),
    ['policy', policy.base64],
    ['x-oss-signature-version', V4_ALGORITHM],
    ['x-oss-credential', credential],
    ['x-oss-date', datetime],
    ['x-oss-signature', signature],
    ...(credentials.securityToken ? [['x-oss-security-token', credentials.securityToken] as [string, string]] : []),
    ...fields.slice(1),
  ]
  return { host: bucketUrl(endpoint, spec.bucket), policyText: policy.text, fields: ordered, expiration: spec.expiration }
}

/** The V1 signature of a given base64 policy (ali-oss calculatePostSignature's core). */
export function postSignatureV1(secret: string, policyBase64: string): string {
  return signatureV1(secret, policyBase64)
}

/** The V4 signature of a given base64 policy (ali-oss signPostObjectPolicyV4's core). */
export function postSignatureV4(secret: string, policyBase64: string, region: string, now: Date): string {
  return signatureV4(signingKeyV4(secret, v4Timestamp(now).day, region), policyBase64)
}
