import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { sequentialIds } from '../lib/sequential-ids.js'
import type { CredentialLookup, ReceivedRequest } from '../oss/verify.js'
import type { PolicyLayers } from '../policy/authorize.js'
import { authorizeOperation } from '../policy/operations.js'
import { parsePolicyText } from '../policy/parse.js'
import { compileRefererConfig } from '../policy/referer.js'
import type { Policy } from '../policy/types.js'
import { sandboxControlToken } from './control-auth.js'
import type { ObjectMeta } from './object-store.js'
import { xmlDocument, xmlElements } from './oss-xml.js'
import { advertisedEndpoint } from './oss/advertised-endpoint.js'
import { authenticate } from './oss/authenticate.js'
import type { Authorize, OssCall, Sandbox, SandboxOssOptions } from './oss/context.js'
import { CALLBACK_KEY_PATH, handleControl } from './oss/control.js'
import { noSuchBucket, OssFailure } from './oss/failure.js'
import { header, sendError, sendXml } from './oss/http-io.js'
import { isPostObject, postObject } from './oss/post-object.js'
import { findRoute } from './oss/routes.js'
import { parseTarget, requestUrl } from './oss/target.js'
import { requestBody } from './oss/payload-check.js'

export type { SandboxOssOptions } from './oss/context.js'

/**
 * A local OSS endpoint that checks what OSS checks: every request is authenticated with the
 * project's verifiers (V1/V4 headers and signed URLs, security token, expiry, clock skew), then
 * authorised by the policy engine (STS session policy intersected with the role policy; bucket
 * and object ACLs for anonymous requests; the referer whitelist for anonymous and signed-URL
 * requests). Errors are OSS's XML with the engine's reason in the detail. Objects carry ETag and
 * `x-oss-hash-crc64ecma`; Content-MD5 is checked when sent.
 *
 * The operations live in `./oss/`, one module per family, found through a route table
 * (`./oss/routes.ts`); PostObject and the sandbox's own `/__sandbox/` endpoints come before
 * authentication, as they carry their own. Path style (`/bucket/key`), virtual-host style
 * (`bucket.localhost:port`) and custom domains (`options.domains`).
 */
export function createSandboxOss(options: SandboxOssOptions) {
  const sessionPolicies = new Map<string, Policy | undefined>()

  const lookup: CredentialLookup = (id) => {
    if (id === options.root.accessKeyId) return { accessKeySecret: options.root.accessKeySecret }
    const issued = options.credentials.get(id)
    return issued ? { accessKeySecret: issued.accessKeySecret, securityToken: issued.securityToken, expiresAt: issued.expiresAt } : undefined
  }

  function layersFor(accessKeyId: string | undefined, meta: ObjectMeta | undefined): PolicyLayers {
    const acl = { bucket: options.bucketAcl, ...(meta ? { object: meta.acl } : {}) }
    if (accessKeyId === undefined) return { acl, principal: { type: 'anonymous' } }
    if (accessKeyId === options.root.accessKeyId) return { acl, principal: { type: 'owner', account: options.account } }
    const issued = options.credentials.get(accessKeyId)
    let session = sessionPolicies.get(accessKeyId)
    if (!sessionPolicies.has(accessKeyId)) {
      session = issued?.policy ? parsePolicyText(issued.policy, { name: `session(${issued.sessionName})` }) : undefined
      sessionPolicies.set(accessKeyId, session)
    }
    return {
      ...(session ? { session: [session] } : {}),
      identity: options.rolePolicies,
      acl,
      principal: { type: 'ram', account: options.account, ids: [accessKeyId, `${issued?.roleArn ?? ''}/${issued?.sessionName ?? ''}`] },
    }
  }

  const sandbox: Sandbox = {
    options,
    store: options.store,
    lookup,
    referer: options.referer ? compileRefererConfig(options.referer) : undefined,
    timing: { requests: 0, totalNs: 0, authNs: 0, policyNs: 0 },
    clockOffsetMs: 0,
    now: () => new Date(options.clock().getTime() + sandbox.clockOffsetMs),
    layersFor,
  }
  const { timing, referer } = sandbox
  // Request IDs as OSS shapes them: 24 upper-case hex digits, 16 random per server and a counter.
  const newRequestId = sequentialIds(randomBytes(8).toString('hex').toUpperCase(), 8)
  const allowed = (origin: string | undefined) => origin !== undefined && options.corsOrigins().includes(origin)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      timing.requests++
      timing.totalNs += Number(process.hrtime.bigint() - started)
    })
    const requestId = newRequestId().toUpperCase()
    res.setHeader('x-oss-request-id', requestId)
    res.setHeader('Server', 'AliyunOSS')
    const origin = header(req, 'origin')
    if (allowed(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin as string)
      res.setHeader('Access-Control-Expose-Headers', 'ETag, x-oss-request-id, x-oss-hash-crc64ecma, x-oss-version-id, x-oss-next-append-position, x-oss-object-type')
      res.setHeader('Vary', 'Origin')
    }
    try {
      if (req.method === 'OPTIONS') return preflight(req, res, origin)
      const url = requestUrl(req)
      if (await handleControl(sandbox, req, res, url.pathname)) return
      const target = parseTarget(req, url, (name) => options.store.hasBucket(name), options.domains)
      if (isPostObject(req, target.key, target.bucket)) return await postObject(sandbox, req, res, target.bucket)
      const query: Record<string, string | null> = {}
      for (const [k, v] of url.searchParams) query[k] = v
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v
      const received: ReceivedRequest = { method: req.method ?? 'GET', bucket: target.bucket, key: target.key, query, headers }
      const now = sandbox.now()
      const authStarted = process.hrtime.bigint()
      const rawPath = (req.url ?? '/').split('?')[0] as string
      const auth = authenticate(received, rawPath, lookup, now, options.region)
      timing.authNs += Number(process.hrtime.bigint() - authStarted)
      if (!auth.ok) throw new OssFailure(auth.code, auth.message, auth.detail)
      if (target.bucket !== '' && !options.store.hasBucket(target.bucket)) throw noSuchBucket()
      if ((auth.anonymous || auth.signedUrl) && referer) {
        const check = referer({ ...(headers.referer ? { referer: headers.referer } : {}), hasAuthorizationHeader: false })
        if (!check.allowed) throw new OssFailure('AccessDenied', 'You are denied by bucket referer policy.', check.reason)
      }
      const accessKeyId = auth.anonymous ? undefined : auth.accessKeyId
      const context = {
        'acs:SourceIp': req.socket.remoteAddress ?? '',
        'acs:SecureTransport': 'false',
        'acs:CurrentTime': now.toISOString(),
        ...(headers['user-agent'] ? { 'acs:UserAgent': headers['user-agent'] } : {}),
        ...(accessKeyId ? { 'acs:AccessId': accessKeyId } : {}),
      }
      const authorize: Authorize = (operation, params, meta) => {
        const policyStarted = process.hrtime.bigint()
        const result = authorizeOperation(layersFor(accessKeyId, meta), operation, { bucket: target.bucket, account: options.account, context, ...params })
        timing.policyNs += Number(process.hrtime.bigint() - policyStarted)
        if (result.decision !== 'Allow') {
          const failed = result.checks.find((c) => c.result.decision !== 'Allow')
          throw new OssFailure('AccessDenied', 'You have no right to access this object because of bucket acl or policy.', `${result.operation}: ${failed?.result.decision} (${failed?.result.layer}: ${failed?.result.reason})`)
        }
      }
      let body: Readable | undefined
      const payload = auth.anonymous ? undefined : auth.payload
      const call: OssCall = {
        sandbox, req, res, r: received, target, now, authorize,
        has: (name) => query[name] !== undefined,
        body: () => (body ??= requestBody(req, headers, payload)),
      }
      const route = findRoute(call)
      if (!route) throw new OssFailure('MethodNotAllowed', 'The specified method is not allowed against this resource.')
      await route.handle(call)
    } catch (err) {
      sendError(res, err, requestId)
    }
  }

  function preflight(req: IncomingMessage, res: ServerResponse, origin: string | undefined): void {
    if (!allowed(origin)) {
      sendXml(res, 403, xmlDocument('Error', xmlElements([['Code', 'AccessForbidden'], ['Message', 'CORSResponse: This CORS request is not allowed.']])))
      return
    }
    res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST, DELETE, HEAD')
    res.setHeader('Access-Control-Allow-Headers', header(req, 'access-control-request-headers') ?? '*')
    res.setHeader('Access-Control-Max-Age', '600')
    res.statusCode = 200
    res.end()
  }

  return { handle, lookup }
}

export interface RunningSandboxOss {
  readonly server: Server
  readonly url: string
  /** What clients are given as the OSS endpoint (a host name: see advertised-endpoint.ts). */
  readonly endpoint: string
  /** Where the callback signatures' public key is served: a path no bucket or object can take. */
  readonly callbackKeyUrl: string
  /** Opens `/__sandbox/clock` (and the sandbox STS's `/__sandbox/faults`); printed at start-up. */
  readonly controlToken: string
  close(): Promise<void>
}

export async function startSandboxOss(options: SandboxOssOptions & { host?: string; port?: number }): Promise<RunningSandboxOss> {
  let selfUrl = ''
  const oss = createSandboxOss({ ...options, selfUrl: () => selfUrl })
  const server = createServer((req, res) => {
    oss.handle(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500
      res.end()
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  selfUrl = `http://${host}:${port}`
  return {
    server,
    url: selfUrl,
    endpoint: advertisedEndpoint(port),
    callbackKeyUrl: `${selfUrl}${CALLBACK_KEY_PATH}`,
    controlToken: sandboxControlToken(options.root),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
