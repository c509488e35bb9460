import type { IncomingMessage, ServerResponse } from 'node:http'
import type { KeyObject } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { CredentialLookup, ReceivedRequest } from '../../oss/verify.js'
import type { PolicyLayers } from '../../policy/authorize.js'
import type { OperationParams } from '../../policy/operations.js'
import type { RefererChecker, RefererConfig } from '../../policy/referer.js'
import type { Policy } from '../../policy/types.js'
import type { Clock } from '../../lib/clock.js'
import type { ObjectMeta, ObjectStore } from '../object-store.js'
import type { StsCredentialStore } from '../sts-credential-store.js'

export interface SandboxOssOptions {
  readonly store: ObjectStore
  readonly credentials: StsCredentialStore
  /** The account's own (root) AccessKey: the bucket owner. */
  readonly root: { readonly accessKeyId: string; readonly accessKeySecret: string }
  readonly account: string
  readonly region: string
  readonly bucketAcl: 'private' | 'public-read' | 'public-read-write'
  /** The role's own policies, intersected with each STS session policy. */
  readonly rolePolicies: readonly Policy[]
  readonly referer?: RefererConfig
  /** Origins browsers may call from (CORS), exactly; read per request (ossvend's own is known only once it listens). */
  readonly corsOrigins: () => readonly string[]
  readonly clock: Clock
  readonly maxObjectBytes?: number
  /** Signs upload callbacks; its public key is served at /__sandbox/callback_pub_key.pem. */
  readonly callbackKey?: { readonly privateKey: KeyObject; readonly publicKeyPem: string }
  /** The sandbox's own base URL, once it listens (for the key URL in callbacks). */
  readonly selfUrl?: () => string
  /**
   * The `host[:port]`s upload callbacks may go to (ossvend's own public URL and
   * `sandbox.callbackHosts`); read per request. Real OSS cannot reach this machine's loopback,
   * so the sandbox calls nothing else (no SSRF through `callbackUrl`). None: no callbacks at all.
   */
  readonly callbackHosts?: () => readonly string[]
  /**
   * Custom domains bound to buckets: host name (no port) to bucket. A request whose Host is one
   * of them addresses that bucket, its path being the key, as OSS does for a CNAME.
   */
  readonly domains?: ReadonlyMap<string, string>
}

/** Where the sandbox's time goes, for bench/sandbox: all requests, signatures, the policy engine. */
export interface SandboxTiming {
  requests: number
  totalNs: number
  authNs: number
  policyNs: number
}

/** What every operation module shares: the options and the sandbox's state. */
export interface Sandbox {
  readonly options: SandboxOssOptions
  readonly store: ObjectStore
  readonly lookup: CredentialLookup
  readonly referer: RefererChecker | undefined
  readonly timing: SandboxTiming
  /** The endpoint's clock (the real one, moved by `/__sandbox/clock`). */
  now(): Date
  clockOffsetMs: number
  /** The policy layers for a caller (undefined: anonymous) and, for object operations, the object's ACL. */
  layersFor(accessKeyId: string | undefined, meta: ObjectMeta | undefined): PolicyLayers
}

export interface Target {
  readonly bucket: string
  readonly key: string
}

export type Authorize = (operation: string, params: OperationParams, meta?: ObjectMeta) => void

/** One authenticated request, as the operation modules see it. */
export interface OssCall {
  readonly sandbox: Sandbox
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly r: ReceivedRequest
  readonly target: Target
  readonly now: Date
  /** Throws AccessDenied unless the engine allows the operation for this caller. */
  readonly authorize: Authorize
  has(name: string): boolean
  /** The request body as the operation stores it (aws-chunked decoded, checksums checked). */
  body(): Readable
}

/** An entry of the route table: the first whose `matches` holds handles the request. */
export interface OssRoute {
  /** The OSS operation (or family) it serves, for reading the table. */
  readonly name: string
  readonly matches: (call: OssCall) => boolean
  readonly handle: (call: OssCall) => Promise<void> | void
}
