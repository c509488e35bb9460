import { safeEqual } from '../lib/crypto.js'
import { RPC_SIGNATURE_METHOD, RPC_SIGNATURE_VERSION, rpcSignature, rpcStringToSign } from './rpc-signature.js'
import { StsFailure, accessKeyNotFound, incompleteSignature } from './sts-failure.js'
import type { SignedCall } from './sts-acs3-auth.js'

/** `2024-01-02T03:04:05Z`, and the ISO form with milliseconds that ali-oss's `OSS.STS` sends. */
const RPC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/

/**
 * The parameters of an RPC-style call: the query, plus an `application/x-www-form-urlencoded`
 * body (ali-oss sends everything in the body; `@alicloud/credentials` splits them). A name given
 * twice is refused, so that what was signed is exactly what is acted on.
 */
export function rpcParameters(url: URL, contentType: string | undefined, body: Buffer): Map<string, string> {
  const params = new Map<string, string>()
  const add = (source: URLSearchParams) => {
    for (const [key, value] of source) {
      if (params.has(key)) throw new StsFailure(400, 'InvalidParameter', `The parameter ${key} is specified more than once.`)
      params.set(key, value)
    }
  }
  add(url.searchParams)
  if (body.length > 0 && (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    add(new URLSearchParams(body.toString('utf8')))
  }
  return params
}

/** Whether a request without an ACS3 Authorization header is an RPC call. */
export function looksLikeRpc(params: ReadonlyMap<string, string>): boolean {
  return params.has('Signature') || params.has('SignatureMethod') || params.has('Action')
}

/**
 * Checks an RPC call's signature with the caller's secret; the timestamp, nonce and action are
 * checked by the server as for ACS3. Error codes are STS's: a missing parameter names itself
 * (`MissingTimestamp`), a bad one is `Invalid...` (`InvalidTimeStamp.Format`), a wrong signature is
 * `SignatureDoesNotMatch` with the server's string to sign (clients compare it with theirs).
 */
export function authenticateRpc(
  method: string,
  params: ReadonlyMap<string, string>,
  secretOf: (accessKeyId: string) => string | undefined,
): SignedCall {
  const required = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureNonce', 'Timestamp', 'Version', 'Action']
  for (const name of required) {
    if (!params.get(name)) throw new StsFailure(400, `Missing${name}`, `${name} is mandatory for this action.`)
  }
  if (params.get('SignatureMethod') !== RPC_SIGNATURE_METHOD) {
    throw new StsFailure(400, 'InvalidSignatureMethod', 'Specified signature method is not supported.')
  }
  const version = params.get('SignatureVersion')
  if (version !== undefined && version !== RPC_SIGNATURE_VERSION) {
    throw new StsFailure(400, 'InvalidSignatureVersion', 'Specified signature version is not supported.')
  }
  const timestamp = params.get('Timestamp') ?? ''
  if (!RPC_TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    throw new StsFailure(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.')
  }
  const accessKeyId = params.get('AccessKeyId') ?? ''
  const secret = secretOf(accessKeyId)
  if (secret === undefined) throw accessKeyNotFound()
  const stringToSign = rpcStringToSign(method, params)
  const signature = params.get('Signature') ?? ''
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw incompleteSignature()
  if (!safeEqual(rpcSignature(secret, stringToSign), signature)) {
    throw new StsFailure(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`)
  }
  return {
    accessKeyId,
    dateMs: Date.parse(timestamp),
    nonce: params.get('SignatureNonce') ?? '',
    action: params.get('Action') ?? '',
    version: params.get('Version') ?? '',
  }
}
