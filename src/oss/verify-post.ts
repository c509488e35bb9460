import { safeEqual } from '../lib/crypto.js'
import { postSignatureV1 } from './post-policy.js'
import { signatureV4, signingKeyV4, standardRegion, V4_ALGORITHM } from './sign-v4.js'
import type { CredentialFailureCode, CredentialLookup } from './verify.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

export type PostFailureCode = CredentialFailureCode | 'InvalidPolicyDocument' | 'EntityTooLarge' | 'EntityTooSmall'

export type PostVerifyResult =
  | { readonly ok: true; readonly anonymous: true; readonly key: string }
  | { readonly ok: true; readonly anonymous: false; readonly key: string; readonly accessKeyId: string; readonly version: 'v1' | 'v4' }
  | { readonly ok: false; readonly code: PostFailureCode; readonly message: string }

export interface PostUpload {
  readonly bucket: string
  /** Form fields other than `file`; names compared case-insensitively, `${filename}` already substituted in `key`. */
  readonly fields: Readonly<Record<string, string>>
  readonly fileSize: number
}

const fail = (code: PostFailureCode, message: string): PostVerifyResult => ({ ok: false, code, message })
const policyFailed = (why: string) => fail('AccessDenied', `Invalid according to Policy: ${why}`)

/**
 * Verifies a PostObject form as OSS does: the signature over the base64 policy (V1 or V4, with
 * the security token for STS credentials), then the policy itself: not expired, every condition
 * met by the form fields, the bucket and the file size, and no `x-oss-*` field (ACL, metadata,
 * overwrite, encryption and so on) that the policy does not name ("Extra input fields", which OSS
 * documents for the V4 signature fields), so that a signed form carries only what was granted.
 */
export function verifyPostForm(upload: PostUpload, lookup: CredentialLookup, now: Date, region: string): PostVerifyResult {
  const fields = new Map(Object.entries(upload.fields).map(([k, v]) => [k.toLowerCase(), v]))
  const key = fields.get('key')
  if (key === undefined || key === '') return fail('InvalidArgument', 'The form must have a key field.')
  const policyBase64 = fields.get('policy')
  const v4 = fields.get('x-oss-signature-version')
  if (policyBase64 === undefined && fields.get('signature') === undefined && v4 === undefined) {
    return { ok: true, anonymous: true, key }
  }
  if (policyBase64 === undefined) return fail('AccessDenied', 'The form has a signature but no policy.')

  let accessKeyId: string
  let version: 'v1' | 'v4'
  const token = fields.get('x-oss-security-token')
  if (v4 !== undefined) {
    if (v4 !== V4_ALGORITHM) return fail('InvalidArgument', 'Unsupported x-oss-signature-version.')
    const credential = fields.get('x-oss-credential')?.split('/') ?? []
    const date = fields.get('x-oss-date') ?? ''
    const signature = fields.get('x-oss-signature') ?? ''
    if (credential.length !== 5 || credential[3] !== 'oss' || credential[4] !== 'aliyun_v4_request' || date.slice(0, 8) !== credential[1]) {
      return fail('InvalidArgument', 'x-oss-credential or x-oss-date is malformed.')
    }
    if (credential[2] !== standardRegion(region)) return fail('InvalidArgument', 'The region in the credential does not match this endpoint.')
    accessKeyId = credential[0] as string
    const known = lookup(accessKeyId)
    if (!known) return fail('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.')
    if (!safeEqual(signatureV4(signingKeyV4(known.accessKeySecret, credential[1] as string, credential[2] as string), policyBase64), signature)) {
      return fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
    }
    version = 'v4'
  } else {
    accessKeyId = fields.get('ossaccesskeyid') ?? ''
    const known = lookup(accessKeyId)
    if (!known) return fail('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.')
    if (!safeEqual(postSignatureV1(known.accessKeySecret, policyBase64), fields.get('signature') ?? '')) {
      return fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
    }
    version = 'v1'
  }
  const known = lookup(accessKeyId)
  if (known?.securityToken !== undefined) {
    if (token === undefined || !safeEqual(token, known.securityToken)) return fail('InvalidSecurityToken', 'The security token you provided is invalid.')
    if (known.expiresAt !== undefined && now.getTime() > known.expiresAt) return fail('SecurityTokenExpired', 'The security token you provided has expired.')
  }

  let policy: { expiration?: unknown; conditions?: unknown }
  try {
    policy = parseJsonOrThrow(Buffer.from(policyBase64, 'base64').toString('utf8')) as typeof policy
  } catch {
    return fail('InvalidPolicyDocument', 'The content of the form does not meet the conditions specified in the policy document: not JSON.')
  }
  if (typeof policy.expiration !== 'string' || !Array.isArray(policy.conditions)) {
    return fail('InvalidPolicyDocument', 'The policy needs "expiration" and "conditions".')
  }
  const expiration = Date.parse(policy.expiration)
  if (Number.isNaN(expiration)) return fail('InvalidPolicyDocument', 'The policy expiration is not an ISO 8601 date.')
  if (now.getTime() > expiration) return policyFailed('Policy expired.')

  const named = new Set<string>()
  for (const condition of policy.conditions as unknown[]) {
    const problem = checkCondition(condition, fields, upload, named)
    if (problem) return problem
  }
  // The security token is a credential, checked above against the AccessKey; V1 forms (Alibaba's
  // web samples, ali-oss) send it without naming it in the policy, and OSS accepts them.
  const extra = [...fields.keys()].find((name) => name.startsWith('x-oss-') && name !== 'x-oss-signature' && name !== 'x-oss-security-token' && !named.has(name))
  if (extra !== undefined) return policyFailed(`Extra input fields: ${extra}`)
  if (version === 'v4') {
    for (const required of ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date']) {
      if (!named.has(required)) return fail('InvalidPolicyDocument', `The policy must include ${required}.`)
    }
  }
  // V4 policies must name the token; V1 forms (Alibaba's web samples, ali-oss) carry it as a
  // plain field that the policy need not mention, and OSS accepts them.
  if (version === 'v4' && token !== undefined && !named.has('x-oss-security-token')) return fail('InvalidPolicyDocument', 'The policy must include x-oss-security-token.')
  return { ok: true, anonymous: false, key, accessKeyId, version }
}

function checkCondition(condition: unknown, fields: ReadonlyMap<string, string>, upload: PostUpload, named: Set<string>): PostVerifyResult | undefined {
  const value = (name: string) => (name === 'bucket' ? upload.bucket : fields.get(name))
  if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
    const entries = Object.entries(condition as Record<string, unknown>)
    if (entries.length !== 1) return fail('InvalidPolicyDocument', 'An exact-match condition holds one field.')
    const [name, expected] = entries[0] as [string, unknown]
    const lower = name.toLowerCase()
    named.add(lower)
    return value(lower) === String(expected) ? undefined : policyFailed(`Policy Condition failed: ["eq", "$${name}", ${JSON.stringify(expected)}]`)
  }
  if (!Array.isArray(condition) || condition.length !== 3) return fail('InvalidPolicyDocument', 'Unknown condition form.')
  const [op, a, b] = condition as [unknown, unknown, unknown]
  if (op === 'content-length-range') {
    if (typeof a !== 'number' || typeof b !== 'number') return fail('InvalidPolicyDocument', 'content-length-range needs two numbers.')
    if (upload.fileSize > b) return fail('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.')
    if (upload.fileSize < a) return fail('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.')
    return undefined
  }
  if (typeof a !== 'string' || !a.startsWith('$')) return fail('InvalidPolicyDocument', 'A condition names a field as "$name".')
  const name = a.slice(1).toLowerCase()
  named.add(name)
  const actual = value(name)
  if (actual === undefined) return policyFailed(`the form has no field "${a.slice(1)}" that the policy names`)
  switch (op) {
    case 'eq':
      return actual === String(b) ? undefined : policyFailed(`Policy Condition failed: ["eq", "${a}", ${JSON.stringify(b)}]`)
    case 'starts-with':
      return typeof b === 'string' && actual.startsWith(b) ? undefined : policyFailed(`Policy Condition failed: ["starts-with", "${a}", ${JSON.stringify(b)}]`)
    case 'in':
    case 'not-in': {
      if (!Array.isArray(b)) return fail('InvalidPolicyDocument', `${op} needs a list.`)
      const found = b.map(String).includes(actual)
      return found === (op === 'in') ? undefined : policyFailed(`Policy Condition failed: ["${op}", "${a}", ${JSON.stringify(b)}]`)
    }
    default:
      return fail('InvalidPolicyDocument', `Unknown condition operator ${JSON.stringify(op)}.`)
  }
}
