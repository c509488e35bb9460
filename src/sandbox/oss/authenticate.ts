import { verifyRequest, type CredentialLookup, type ReceivedRequest, type VerifyResult } from '../../oss/verify.js'

/**
 * Authenticates a request with whichever scheme it uses: OSS V1 or OSS V4 (header or signed
 * URL); with none, it is anonymous.
 */
export function authenticate(received: ReceivedRequest, lookup: CredentialLookup, now: Date, region: string): VerifyResult {
  return verifyRequest(received, lookup, now, region)
}
