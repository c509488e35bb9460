// The `ossvend/oss` entry: OSS request signing and verification, pure functions (time is a
// parameter). Named re-exports only.

export { presignUrlV1, stringToSignV1, signatureV1, authorizationV1, canonicalizedOssHeadersV1, canonicalizedResourceV1, V1_SUB_RESOURCES } from './sign-v1.js'
export type { Credentials, PresignV1Input, PresignedUrl, QueryParams, StringToSignV1Input } from './sign-v1.js'
export {
  presignUrlV4,
  authorizationV4,
  canonicalRequestV4,
  canonicalQueryV4,
  canonicalHeadersV4,
  stringToSignV4,
  signingKeyV4,
  signatureV4,
  credentialScopeV4,
  v4Timestamp,
  standardRegion,
  V4_ALGORITHM,
  UNSIGNED_PAYLOAD,
  MAX_V4_EXPIRES_SEC,
} from './sign-v4.js'
export type { PresignV4Input, AuthorizationV4Input, CanonicalRequestV4Input } from './sign-v4.js'
export { buildPostFormV1, buildPostFormV4, checkPostPolicySpec, postSignatureV1, postSignatureV4 } from './post-policy.js'
export type { PostForm, PostPolicySpec, PostCondition } from './post-policy.js'
export { verifyRequest, MAX_CLOCK_SKEW_MS } from './verify.js'
export type { ReceivedRequest, KnownCredential, CredentialLookup, CredentialFailureCode, VerifyFailureCode, VerifyResult } from './verify.js'
export { verifyPostForm } from './verify-post.js'
export type { PostUpload, PostVerifyResult, PostFailureCode } from './verify-post.js'
export { encodeCallbackParam, encodeCallbackVars, callbackAuthString, checkPublicKeyUrl, verifyCallback, OSS_PUBLIC_KEY_HOSTS } from './callback.js'
export type { CallbackSpec, CallbackInput, CallbackVerdict, PublicKeyUrlRules } from './callback.js'
export { crc64, crc64String, crc64Combine } from './crc64.js'
export { uriEncode, uriEncodePath } from './encode.js'
export { objectUrl, bucketUrl } from './endpoint.js'
export type { OssEndpoint } from './endpoint.js'
