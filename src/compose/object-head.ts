import Credential from '@alicloud/credentials'
import type { Config } from '../config/types.js'
import { placementOf } from '../grant/bucket-placement.js'
import type { OssEndpoint } from '../oss/endpoint.js'
import type { Credentials } from '../oss/sign-v1.js'
import { presignUrlV4 } from '../oss/sign-v4.js'

/** What OSS says about a stored object: enough to confirm what an upload callback claims. */
export interface ObjectHead {
  readonly size: number
  /** As OSS sends it in the ETag header (quoted). */
  readonly etag: string
  readonly contentType: string
  readonly crc64: string
}

/**
 * Reads an object's metadata in one of the served buckets with the server's own credentials;
 * undefined when there is no such object. Throws when OSS cannot be asked (network, 5xx, refused
 * credentials).
 */
export type HeadObject = (key: string, bucket: string) => Promise<ObjectHead | undefined>

export interface ObjectHeadOptions {
  /** Where a bucket is reached and in which region it lives. */
  readonly placement: (bucket: string) => { readonly endpoint: OssEndpoint; readonly region: string }
  /** The server's credentials, fetched per call (the default chain may rotate them). */
  readonly credentials: () => Promise<Credentials>
  readonly now: () => Date
  readonly timeoutMs?: number
}

/** HeadObject through a V4 URL signed for one minute: the sandbox and OSS accept the same. */
export function createObjectHead(options: ObjectHeadOptions): HeadObject {
  const timeoutMs = options.timeoutMs ?? 3000
  return async (key, bucket) => {
    const { endpoint, region } = options.placement(bucket)
    const { url } = presignUrlV4({
      credentials: await options.credentials(),
      endpoint,
      region,
      bucket,
      key,
      method: 'HEAD',
      now: options.now(),
      expiresInSec: 60,
    })
    const res = await fetch(url, { method: 'HEAD', redirect: 'error', signal: AbortSignal.timeout(timeoutMs) })
    if (res.status === 404) return undefined
    if (res.status !== 200) throw new Error(`HeadObject answered ${res.status}`)
    return {
      size: Number(res.headers.get('content-length') ?? Number.NaN),
      etag: res.headers.get('etag') ?? '',
      contentType: res.headers.get('content-type') ?? '',
      crc64: res.headers.get('x-oss-hash-crc64ecma') ?? '',
    }
  }
}

const CredentialClass = ((Credential as unknown as { default?: unknown }).default ?? Credential) as new () => {
  getCredential(): Promise<{ accessKeyId?: string; accessKeySecret?: string; securityToken?: string }>
}

/** The `@alicloud/credentials` default chain, as the STS client uses when no key is configured. */
export function defaultChainCredentials(): () => Promise<Credentials> {
  let chain: InstanceType<typeof CredentialClass> | undefined
  return async () => {
    chain ??= new CredentialClass()
    const c = await chain.getCredential()
    if (!c.accessKeyId || !c.accessKeySecret) throw new Error('no Alibaba Cloud credentials for HeadObject')
    return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) }
  }
}

export interface ServerObjectHeadOptions {
  readonly config: Pick<Config, 'oss'>
  /** Sandbox mode: the local OSS and the account key (undefined when tests replace STS instead). */
  readonly sandbox: { readonly ossUrl: string; readonly root: Credentials } | undefined
  readonly sandboxMode: boolean
  /** Cloud mode: the server's AccessKey (environment or legacy config); else the default chain. */
  readonly credentials: Credentials | undefined
  readonly now: () => Date
}

/**
 * The server's HeadObject: against the sandbox OSS with the sandbox account's key, or against OSS
 * with the server's credentials; none in sandbox mode without a sandbox OSS (tests with a fake STS).
 * Each bucket is asked at its own region's plain OSS endpoint, never through a custom domain.
 */
export function createServerObjectHead(options: ServerObjectHeadOptions): HeadObject | undefined {
  const { sandbox } = options
  const { oss } = options.config
  const withoutDomains = {
    oss: { ...oss, buckets: oss.buckets && Object.fromEntries(Object.entries(oss.buckets).map(([name, b]) => [name, { ...b, cname: undefined }])) },
  }
  const placementAt = (endpoint: OssEndpoint) => (bucket: string) => {
    const placed = placementOf({ config: withoutDomains, ossEndpoint: endpoint.url, ossSigningEndpoint: endpoint }, bucket)
    return { endpoint: placed.signing, region: placed.region }
  }
  if (sandbox) {
    return createObjectHead({ placement: placementAt({ url: sandbox.ossUrl, style: 'path' }), credentials: async () => sandbox.root, now: options.now })
  }
  if (options.sandboxMode) return undefined
  const url = oss.endpoint ?? `https://oss-${oss.region}.aliyuncs.com`
  const host = new URL(url).hostname
  const style = /^[0-9.]+$/.test(host) || host.includes(':') || host === 'localhost' || host.startsWith('[') ? 'path' : 'virtual'
  const fixed = options.credentials
  return createObjectHead({ placement: placementAt({ url, style }), credentials: fixed ? async () => fixed : defaultChainCredentials(), now: options.now })
}
