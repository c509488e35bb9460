import { uriEncode, uriEncodePath } from './encode.js'
import { encodedObjectUrl, type OssEndpoint } from './endpoint.js'
import { hmacKey, hmacWithKey, type HmacKey } from './hmac.js'

/**
 * The sub-resources OSS includes in a V1 CanonicalizedResource (aliyun-oss-go-sdk `signKeyList`).
 * Anything else in the query is not signed.
 */
export const V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName',
  'replication', 'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live',
  'status', 'vod', 'startTime', 'endTime', 'symlink', 'x-oss-process', 'response-content-type',
  'x-oss-traffic-limit', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId',
  'udfImageDesc', 'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var', 'qosInfo',
  'policy', 'stat', 'encryption', 'versions', 'versioning', 'versionId', 'requestPayment', 'x-oss-request-payer',
  'sequential', 'inventory', 'inventoryId', 'continuation-token', 'asyncFetch', 'worm', 'wormId', 'wormExtend',
  'withHashContext', 'x-oss-enable-md5', 'x-oss-enable-sha1', 'x-oss-enable-sha256', 'x-oss-hash-ctx',
  'x-oss-md5-ctx', 'transferAcceleration', 'regionList', 'cloudboxes', 'x-oss-ac-source-ip',
  'x-oss-ac-subnet-mask', 'x-oss-ac-vpc-id', 'x-oss-ac-forward-allow', 'metaQuery', 'resourceGroup', 'rtc',
  'x-oss-async-process', 'responseHeader',
])

/** Query parameters as pairs; `null` is a key without a value (`?acl`). */
export type QueryParams = Readonly<Record<string, string | null>>

/** `x-oss-*` headers, lower-cased, trimmed, sorted: `name:value\n` each. */
export function canonicalizedOssHeadersV1(headers: Readonly<Record<string, string>>): string {
  let picked: [string, string][] | undefined
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase()
    if (lower.startsWith('x-oss-')) (picked ??= []).push([lower, (headers[name] as string).trim()])
  }
  if (picked === undefined) return ''
  picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  let out = ''
  for (const [n, v] of picked) out += `${n}:${v}\n`
  return out
}

/**
 * `/bucket/key` (raw, not encoded) plus the whitelisted sub-resources, sorted, `k` or `k=v`
 * with raw values. `/` alone for service requests.
 */
export function canonicalizedResourceV1(bucket: string, key: string, query: QueryParams = {}): string {
  const path = bucket === '' ? '/' : `/${bucket}/${key}`
  let subs: string[] | undefined
  for (const k of Object.keys(query)) if (V1_SUB_RESOURCES.has(k)) (subs ??= []).push(k)
  if (subs === undefined) return path
  subs.sort()
  let out = path
  for (let i = 0; i < subs.length; i++) {
    const k = subs[i] as string
    const v = query[k]
    out += i === 0 ? `?${k}` : `&${k}`
    if (v !== null && v !== undefined && v !== '') out += `=${v}`
  }
  return out
}

export interface StringToSignV1Input {
  readonly method: string
  readonly bucket: string
  readonly key: string
  /** The Date header for header auth, or the Expires epoch seconds for a signed URL. */
  readonly date: string
  readonly headers?: Readonly<Record<string, string>>
  readonly query?: QueryParams
}

/**
 * VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource
 */
export function stringToSignV1(input: StringToSignV1Input): string {
  const headers = input.headers ?? {}
  // The first header of each name, in any case, as a case-insensitive lookup would find it.
  let md5: string | undefined
  let type: string | undefined
  for (const k of Object.keys(headers)) {
    if (k.length !== 11 && k.length !== 12) continue
    const lower = k.toLowerCase()
    if (md5 === undefined && lower === 'content-md5') md5 = headers[k]
    else if (type === undefined && lower === 'content-type') type = headers[k]
  }
  return `${input.method.toUpperCase()}\n${md5 ?? ''}\n${type ?? ''}\n${input.date}\n${canonicalizedOssHeadersV1(headers)}${canonicalizedResourceV1(input.bucket, input.key, input.query)}`
}

// Secrets with their HMAC blocks prepared, as signing keys are for V4 (see hmac.ts).
const preparedSecrets = new Map<string, HmacKey>()
const MAX_PREPARED_SECRETS = 1024

/** base64(HMAC-SHA1(AccessKeySecret, StringToSign)) */
export function signatureV1(secret: string, stringToSign: string): string {
  let key = preparedSecrets.get(secret)
  if (key === undefined) {
    key = hmacKey('sha1', secret)
    if (preparedSecrets.size >= MAX_PREPARED_SECRETS) preparedSecrets.delete(preparedSecrets.keys().next().value as string)
    preparedSecrets.set(secret, key)
  }
  return hmacWithKey(key, stringToSign, 'base64')
}

/** `Authorization: OSS <AccessKeyId>:<signature>` */
export function authorizationV1(accessKeyId: string, secret: string, stringToSign: string): string {
  return `OSS ${accessKeyId}:${signatureV1(secret, stringToSign)}`
}

export interface Credentials {
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly securityToken?: string
}

export interface PresignV1Input {
  readonly credentials: Credentials
  readonly endpoint: OssEndpoint
  readonly bucket: string
  readonly key: string
  readonly method: string
  /** Absolute expiry, epoch seconds (V1 URLs carry an absolute time). */
  readonly expires: number
  /** Headers the client must send exactly (Content-Type, Content-MD5, x-oss-*). */
  readonly headers?: Readonly<Record<string, string>>
  /** Signed sub-resources: response-*, x-oss-process, versionId, callback... */
  readonly query?: Readonly<Record<string, string>>
}

export interface PresignedUrl {
  readonly url: string
  readonly debug: { readonly stringToSign: string; readonly canonicalRequest?: string }
}

/**
 * A V1 signed URL: `?OSSAccessKeyId=&Expires=&Signature=` plus the signed sub-resources
 * (`security-token` for STS credentials).
 */
export function presignUrlV1(input: PresignV1Input): PresignedUrl {
  const token = input.credentials.securityToken
  const expires = String(input.expires)
  const encodedKey = uriEncodePath(input.key)
  let stringToSign: string
  let signed: string
  if (isEmpty(input.query)) {
    // Only the token is signed and sent beside the three parameters every V1 URL has.
    stringToSign = stringToSignV1({
      method: input.method,
      bucket: input.bucket,
      key: input.key,
      date: expires,
      headers: input.headers ?? {},
      query: token ? { 'security-token': token } : {},
    })
    signed = token ? `&security-token=${uriEncode(token)}` : ''
  } else {
    const query: Record<string, string> = { ...input.query }
    if (token) query['security-token'] = token
    stringToSign = stringToSignV1({ method: input.method, bucket: input.bucket, key: input.key, date: expires, headers: input.headers ?? {}, query })
    signed = ''
    for (const k of Object.keys(query).sort()) signed += `&${uriEncode(k)}=${uriEncode(query[k] as string)}`
  }
  const signature = signatureV1(input.credentials.accessKeySecret, stringToSign)
  const search = `OSSAccessKeyId=${uriEncode(input.credentials.accessKeyId)}&Expires=${uriEncode(expires)}&Signature=${uriEncode(signature)}${signed}`
  return { url: `${encodedObjectUrl(input.endpoint, input.bucket, encodedKey)}?${search}`, debug: { stringToSign } }
}

function isEmpty(record: Readonly<Record<string, unknown>> | undefined): boolean {
  if (record === undefined) return true
  for (const k in record) if (Object.hasOwn(record, k)) return false
  return true
}
