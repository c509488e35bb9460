import type { Config } from '../config/types.js'
import type { OssEndpoint } from '../oss/endpoint.js'

/** Where one bucket is reached, for clients (areas, /v1/sts) and for signing (URLs, forms). */
export interface BucketPlacement {
  readonly bucket: string
  readonly region: string
  /** What a client passes to its SDK as the endpoint. */
  readonly endpoint: string
  /** True when `endpoint` is a custom domain bound to the bucket (`oss.buckets.NAME.cname`). */
  readonly cname: boolean
  readonly signing: OssEndpoint
}

export interface PlacementBase {
  readonly config: Pick<Config, 'oss'>
  /** The configured bucket's endpoint for clients (the sandbox's in sandbox mode). */
  readonly ossEndpoint: string
  readonly ossSigningEndpoint: OssEndpoint
}

/**
 * The placement of a bucket: a custom domain when one is configured for it; otherwise the
 * configured endpoint, with the region swapped in when the bucket is elsewhere and the endpoint
 * is OSS's public one (`oss-REGION.aliyuncs.com`). Any other endpoint (the sandbox, a private
 * one) serves every bucket as it is.
 */
export function placementOf(base: PlacementBase, bucket: string): BucketPlacement {
  const { oss } = base.config
  const settings = oss.buckets && Object.hasOwn(oss.buckets, bucket) ? oss.buckets[bucket] : undefined
  const region = settings?.region ?? oss.region
  if (settings?.cname) return { bucket, region, endpoint: settings.cname, cname: true, signing: { url: settings.cname, style: 'cname' } }
  if (region === oss.region) return { bucket, region, endpoint: base.ossEndpoint, cname: false, signing: base.ossSigningEndpoint }
  const swap = (url: string) => url.replace(`://oss-${oss.region}.aliyuncs.com`, `://oss-${region}.aliyuncs.com`)
  return { bucket, region, endpoint: swap(base.ossEndpoint), cname: false, signing: { ...base.ossSigningEndpoint, url: swap(base.ossSigningEndpoint.url) } }
}
