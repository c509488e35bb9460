import { createHmac } from 'node:crypto'
import { acsPercentEncode } from './acs3-signature.js'

/**
 * The RPC (POP v1) signature, `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`: what
 * ali-oss's `OSS.STS`, `@alicloud/credentials`' `ram_role_arn` provider and the 1.1.x STS SDKs
 * send. Every parameter except `Signature`, from the query and the form body alike, is signed:
 *
 *   Canonicalized = sort(keys).map(k => percentEncode(k) "=" percentEncode(v)).join("&")
 *   StringToSign  = METHOD "&" percentEncode("/") "&" percentEncode(Canonicalized)
 *   Signature     = base64(HMAC-SHA1(AccessKeySecret "&", StringToSign))
 *
 * The path is always "/" whatever the request path: the clients sign it that way.
 */
export const RPC_SIGNATURE_METHOD = 'HMAC-SHA1'
export const RPC_SIGNATURE_VERSION = '1.0'

export function rpcCanonicalQuery(params: ReadonlyMap<string, string>): string {
  return [...params.keys()]
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${acsPercentEncode(key)}=${acsPercentEncode(params.get(key) ?? '')}`)
    .join('&')
}

export function rpcStringToSign(method: string, params: ReadonlyMap<string, string>): string {
  return `${method.toUpperCase()}&${acsPercentEncode('/')}&${acsPercentEncode(rpcCanonicalQuery(params))}`
}

export function rpcSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64')
}
