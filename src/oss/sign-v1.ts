import { uriEncode } from './encode.js'
import { objectUrl, type OssEndpoint } from './endpoint.js'
import { hmacSha1Base64 } from './hmac.js'

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
  const picked: [string, string][] = []
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (lower.startsWith('x-oss-')) picked.push([lower, value.trim()])
  }
  picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return picked.map(([n, v]) => `${n}:${v}\n`).join('')
}

/**
 * `/bucket/key` (raw, not encoded) plus the whitelisted sub-resources, sorted, `k` or `k=v`
 * with raw values. `/` alone for service requests.
 */
export function canonicalizedResourceV1(bucket: string, key: string, query: QueryParams = {}): string {
  const path = bucket === '' ? '/' : `/${bucket}/${key}`
  const subs = Object.keys(query)
    .filter((k) => V1_SUB_RESOURCES.has(k))
    .sort()
    .map((k) => {
      const v = query[k]
      return v === null || v === undefined || v === '' ? k : `${k}=${v}`
    })
  return subs.length === 0 ? path : `${path}?${subs.join('&')}`
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
  const header = (name: string) => {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v
    return ''
  }
  return [
    input.method.toUpperCase(),
    header('content-md5'),
    header('content-type'),
    input.date,
    `${canonicalizedOssHeadersV1(headers)}${canonicalizedResourceV1(input.bucket, input.key, input.query)}`,
  ].join('\n')
}

/** base64(HMAC-SHA1(AccessKeySecret, StringToSign)) */
export function signatureV1(secret: string, stringToSign: string): string {
  return hmacSha1Base64(secret, stringToSign)
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
  const query: Record<string, string> = { ...input.query }
  if (input.credentials.securityToken) query['security-token'] = input.credentials.securityToken
  const stringToSign = stringToSignV1({
    method: input.method,
    bucket: input.bucket,
    key: input.key,
    date: String(input.expires),
    headers: input.headers ?? {},
    query,
  })
  const params: [string, string][] = [
    ['OSSAccessKeyId', input.credentials.accessKeyId],
    ['Expires', String(input.expires)],
    ['Signature', signatureV1(input.credentials.accessKeySecret, stringToSign)],
    ...Object.keys(query).sort().map((k): [string, string] => [k, query[k] as string]),
  ]
  const search = params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&')
  return { url: `${objectUrl(input.endpoint, input.bucket, input.key)}?${search}`, debug: { stringToSign } }
}
