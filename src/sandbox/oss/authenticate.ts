import { verifyRequest, type CredentialLookup, type ReceivedRequest, type VerifyFailureCode } from '../../oss/verify.js'
import { isSigV4Request, verifySigV4, type SigV4FailureCode, type SigV4Payload } from '../../oss/verify-sigv4.js'

export type Authenticated =
  | { readonly ok: true; readonly anonymous: true; readonly signedUrl: false }
  | {
      readonly ok: true
      readonly anonymous: false
      readonly accessKeyId: string
      readonly scheme: 'oss-v1' | 'oss-v4' | 'aws-sigv4'
      /** Signed URLs (the referer whitelist applies to them) rather than Authorization headers. */
      readonly signedUrl: boolean
      /** For AWS SigV4: how the body is sent and must be checked. */
      readonly payload?: SigV4Payload
    }
  | { readonly ok: false; readonly code: VerifyFailureCode | SigV4FailureCode; readonly message: string; readonly detail?: string }

/**
 * Authenticates a request with whichever scheme it uses: AWS Signature V4 (S3 clients, header or
 * presigned URL), else OSS V1 or OSS V4 (header or signed URL); with none, it is anonymous.
 * `rawPath` is the path as sent, which AWS signatures cover as is.
 */
export function authenticate(received: ReceivedRequest, rawPath: string, lookup: CredentialLookup, now: Date, region: string): Authenticated {
  if (isSigV4Request(received)) {
    const result = verifySigV4({ method: received.method, rawPath, query: received.query, headers: received.headers }, lookup, now)
    if (!result.ok) return { ok: false, code: result.code, message: result.message, ...(result.canonicalRequest !== undefined ? { detail: result.canonicalRequest } : {}) }
    return { ok: true, anonymous: false, accessKeyId: result.accessKeyId, scheme: 'aws-sigv4', signedUrl: result.signedUrl, payload: result.payload }
  }
  const result = verifyRequest(received, lookup, now, region)
  if (!result.ok) return { ok: false, code: result.code, message: result.message, ...(result.stringToSign !== undefined ? { detail: result.stringToSign } : {}) }
  if (result.anonymous) return result
  return { ok: true, anonymous: false, accessKeyId: result.accessKeyId, scheme: result.version === 'v1' ? 'oss-v1' : 'oss-v4', signedUrl: result.signedUrl }
}
