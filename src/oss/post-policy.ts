import { bucketUrl, type OssEndpoint } from './endpoint.js'
import { hmacWithKey } from './hmac.js'
import { finishDocument, jsonMember, jsonValue, startDocument } from './policy-json.js'
import type { Credentials } from './sign-v1.js'
import { signatureV1 } from './sign-v1.js'
import { cachedSigningKey, signatureV4, signingKeyV4, v4Timestamp, V4_ALGORITHM } from './sign-v4.js'

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

/*
 * Both builders write the policy text directly, condition by condition, in the order and form
 * JSON.stringify({ expiration, conditions }) gives for the conditions listed in each comment, and
 * collect the form fields in send order beside it: no condition objects, no second pass.
 */

/**
 * The conditions both signature versions share after their own, each with a leading comma:
 * key (starts-with or eq), content-length-range, success_action_status, content-type in,
 * forbid-overwrite, server-side encryption (and KMS key id), callback, callback variables.
 * Their form fields are appended to `fields`, the key's excepted (it goes first).
 */
function sharedConditions(spec: PostPolicySpec, fields: [string, string][]): string {
  let text = 'startsWith' in spec.key
    ? `,["starts-with","$key",${jsonValue(spec.key.startsWith)}]`
    : `,["eq","$key",${jsonValue(spec.key.equals)}]`
  // Safe integers (checked): written as JSON.stringify writes them.
  text += `,["content-length-range",${spec.contentLength.min},${spec.contentLength.max}]`
  const status = spec.successActionStatus ?? '200'
  text += `,["eq","$success_action_status",${jsonValue(status)}]`
  fields.push(['success_action_status', status])
  const types: unknown = spec.contentTypes
  if (types) {
    if (Array.isArray(types)) {
      text += ',["in","$content-type",['
      for (let i = 0; i < types.length; i++) text += (i === 0 ? '' : ',') + jsonValue(types[i])
      text += ']]'
    } else {
      text += `,["in","$content-type",${jsonValue(types)}]`
    }
  }
  if (spec.forbidOverwrite) {
    text += ',["eq","$x-oss-forbid-overwrite","true"]'
    fields.push(['x-oss-forbid-overwrite', 'true'])
  }
  const sse = spec.serverSideEncryption
  if (sse) {
    text += `,["eq","$x-oss-server-side-encryption",${jsonValue(sse.algorithm)}]`
    fields.push(['x-oss-server-side-encryption', sse.algorithm])
    if (sse.algorithm === 'KMS' && sse.keyId) {
      text += `,["eq","$x-oss-server-side-encryption-key-id",${jsonValue(sse.keyId)}]`
      fields.push(['x-oss-server-side-encryption-key-id', sse.keyId])
    }
  }
  if (spec.callback) {
    text += `,["eq","$callback",${jsonValue(spec.callback)}]`
    fields.push(['callback', spec.callback])
  }
  const vars = spec.callbackVars
  if (vars) {
    for (const name of Object.keys(vars)) {
      const value = vars[name] as string
      text += `,["eq",${jsonValue(`$${name}`)},${jsonValue(value)}]`
      fields.push([name, value])
    }
  }
  return text
}

function keyField(spec: PostPolicySpec): [string, string] {
  return 'startsWith' in spec.key ? ['key', `${spec.key.startsWith}\${filename}`] : ['key', spec.key.equals]
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

/**
 * PostObject V1: Signature = base64(HMAC-SHA1(secret, base64(policy))). Conditions: bucket, the
 * shared ones, then the security token (eq) when there is one.
 */
export function buildPostFormV1(spec: PostPolicySpec, credentials: Credentials, endpoint: OssEndpoint): PostForm {
  checkPostPolicySpec(spec)
  const token = credentials.securityToken
  const rest: [string, string][] = []
  let text = startDocument(spec.expiration) + jsonMember('bucket', spec.bucket) + sharedConditions(spec, rest)
  if (token) text += `,["eq","$x-oss-security-token",${jsonValue(token)}]`
  const policy = finishDocument(text)
  const fields: [string, string][] = [
    keyField(spec),
    ['policy', policy.base64],
    ['OSSAccessKeyId', credentials.accessKeyId],
    ['Signature', signatureV1(credentials.accessKeySecret, policy.base64)],
  ]
  if (token) fields.push(['x-oss-security-token', token])
  for (let i = 0; i < rest.length; i++) fields.push(rest[i] as [string, string])
  return { host: bucketUrl(endpoint, spec.bucket), policyText: policy.text, fields, expiration: spec.expiration }
}

/**
 * PostObject V4: the policy names the signature version, credential, date (and security token);
 * StringToSign is base64(policy); signature = hex(HMAC-SHA256(signing key, StringToSign)).
 * Conditions: bucket, signature version, credential, date, security token (if any), the shared ones.
 */
export function buildPostFormV4(spec: PostPolicySpec, credentials: Credentials, endpoint: OssEndpoint, region: string, now: Date): PostForm {
  checkPostPolicySpec(spec)
  const { datetime, day } = v4Timestamp(now)
  const signing = cachedSigningKey(credentials.accessKeySecret, day, region, 'oss')
  const credential = `${credentials.accessKeyId}/${signing.scope}`
  const token = credentials.securityToken
  const rest: [string, string][] = []
  let text = `${startDocument(spec.expiration)}${jsonMember('bucket', spec.bucket)},{"x-oss-signature-version":"${V4_ALGORITHM}"}`
    + `,{"x-oss-credential":${jsonValue(credential)}},{"x-oss-date":"${datetime}"}`
  if (token) text += `,${jsonMember('x-oss-security-token', token)}`
  const policy = finishDocument(text + sharedConditions(spec, rest))
  const fields: [string, string][] = [
    keyField(spec),
    ['policy', policy.base64],
    ['x-oss-signature-version', V4_ALGORITHM],
    ['x-oss-credential', credential],
    ['x-oss-date', datetime],
    ['x-oss-signature', hmacWithKey(signing.hmac, policy.base64, 'hex')],
  ]
  if (token) fields.push(['x-oss-security-token', token])
  for (let i = 0; i < rest.length; i++) fields.push(rest[i] as [string, string])
  return { host: bucketUrl(endpoint, spec.bucket), policyText: policy.text, fields, expiration: spec.expiration }
}

/** The V1 signature of a given base64 policy (ali-oss calculatePostSignature's core). */
export function postSignatureV1(secret: string, policyBase64: string): string {
  return signatureV1(secret, policyBase64)
}

/** The V4 signature of a given base64 policy (ali-oss signPostObjectPolicyV4's core). */
export function postSignatureV4(secret: string, policyBase64: string, region: string, now: Date): string {
  return signatureV4(signingKeyV4(secret, v4Timestamp(now).day, region), policyBase64)
}
