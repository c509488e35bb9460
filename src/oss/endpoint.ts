import { uriEncodePath } from './encode.js'

/**
 * Where a bucket is reached: `virtual` (bucket.host, real OSS), `path` (host/bucket, IP
 * endpoints) or `cname` (a custom domain bound to the one bucket: host/key). The style changes
 * the URL only; signatures name the bucket in every style.
 */
export interface OssEndpoint {
  /** `https://oss-cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:9000` or `https://media.example.com`. */
  readonly url: string
  readonly style: 'virtual' | 'path' | 'cname'
}

const parsed = new Map<string, { protocol: string; host: string }>()

function parse(url: string): { protocol: string; host: string } {
  let base = parsed.get(url)
  if (!base) {
    const u = new URL(url)
    base = { protocol: u.protocol, host: u.host }
    if (parsed.size < 64) parsed.set(url, base)
  }
  return base
}

/** The URL of an object (or of the bucket when key is empty), without a query. */
export function objectUrl(endpoint: OssEndpoint, bucket: string, key: string): string {
  return encodedObjectUrl(endpoint, bucket, uriEncodePath(key))
}

/** `objectUrl` for a key already encoded with `uriEncodePath`. */
export function encodedObjectUrl(endpoint: OssEndpoint, bucket: string, encodedKey: string): string {
  const base = parse(endpoint.url)
  const path = encodedKey === '' ? '/' : `/${encodedKey}`
  if (endpoint.style === 'path') return `${base.protocol}//${base.host}/${bucket}${path}`
  if (endpoint.style === 'cname') return `${base.protocol}//${base.host}${path}`
  return `${base.protocol}//${bucket}.${base.host}${path}`
}

/** The URL a browser posts a PostObject form to. */
export function bucketUrl(endpoint: OssEndpoint, bucket: string): string {
  const base = parse(endpoint.url)
  if (endpoint.style === 'cname') return `${base.protocol}//${base.host}`
  return endpoint.style === 'path' ? `${base.protocol}//${base.host}/${bucket}` : `${base.protocol}//${bucket}.${base.host}`
}
