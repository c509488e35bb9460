import { randomUUID } from 'node:crypto'
import type { Router } from 'express'
import { AccessDeniedError, KeyOutsidePrefixError, RequestInvalidError, type Issue } from '../../errors.js'
import { checkLeafName, checkObjectKey } from '../../grant/object-key.js'
import { createTicket } from '../../grant/upload-ticket.js'
import { encodeCallbackParam } from '../../oss/callback.js'
import { buildPostFormV1, buildPostFormV4, type PostPolicySpec } from '../../oss/post-policy.js'
import { checkProcess } from '../../oss/process-param.js'
import { presignUrlV1 } from '../../oss/sign-v1.js'
import { presignUrlV4 } from '../../oss/sign-v4.js'
import { authorizeOperation } from '../../policy/operations.js'
import { placementOf } from '../../grant/bucket-placement.js'
import { isRulesRendered, type ScopePolicy } from '../../grant/scopes.js'
import { rulesAllowListing } from '../../policy/path-rules/decide.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import type { AppDeps } from '../deps.js'
import { validateBody } from '../validate-body.js'
import { SignPostBody, SignUrlBody } from '../schemas/sign.js'

const OPERATION_FOR_METHOD = { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' } as const
const RESPONSE_PARAMS: Readonly<Record<string, string>> = {
  contentType: 'response-content-type',
  contentDisposition: 'response-content-disposition',
  contentLanguage: 'response-content-language',
  cacheControl: 'response-cache-control',
  contentEncoding: 'response-content-encoding',
  expires: 'response-expires',
}

/**
 * POST /v1/sign/url and /v1/sign/post. The policy engine must allow the operation for this user
 * first, on the scope's own session policy (compiled from its path rules, or its template) with
 * the role's policies, in the bucket asked for (a denial names the engine's reason code, never
 * the policy); then the URL or form is signed with the user's own scoped STS credentials, so OSS
 * enforces the same decision again. A template scope's key outside its one prefix keeps its
 * own answer, ERR_KEY_OUTSIDE_PREFIX.
 */
export function signRoutes(deps: AppDeps, router: Router): void {
  const { config } = deps
  const layers = (policy: Parameters<typeof authorizeOperation>[0]['session']) =>
    deps.rolePolicies.length > 0 ? { session: policy, identity: deps.rolePolicies } : { session: policy }

  function requireAllowed(rendered: ScopePolicy, bucket: string, operation: string, key: string, pointer: string): void {
    const result = authorizeOperation(layers([rendered.policy]), operation, { bucket, key, account: config.oss.account })
    if (result.decision !== 'Allow') {
      if (!isRulesRendered(rendered) && !key.startsWith(rendered.prefix)) throw new KeyOutsidePrefixError(pointer, rendered.prefix)
      const failed = result.checks.find((c) => c.result.decision !== 'Allow')
      throw new AccessDeniedError(failed?.result.reason ?? 'no-allow', `${operation} is not allowed for this key`)
    }
  }

  /** The bucket a request names: the configured one, or one of `oss.buckets`. */
  function bucketOf(requested: string | undefined): string {
    const bucket = requested ?? config.oss.bucket
    if (bucket !== config.oss.bucket && !(config.oss.buckets && Object.hasOwn(config.oss.buckets, bucket))) {
      throw new RequestInvalidError([{ pointer: '/bucket', code: 'sign.bucket-unknown', message: 'not a bucket this server serves' }])
    }
    return bucket
  }

  router.post('/v1/sign/url', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), validateBody(SignUrlBody), async (req, res) => {
    const body = req.body as SignUrlBody
    const issues: Issue[] = [...checkObjectKey(body.key)]
    if (body.method !== 'PUT' && (body.contentType || body.contentMd5)) issues.push({ pointer: '/contentType', code: 'sign.put-only', message: 'contentType and contentMd5 apply to PUT only' })
    if (body.method !== 'GET' && (body.response || body.process)) issues.push({ pointer: '/response', code: 'sign.get-only', message: 'response overrides and process apply to GET only' })
    if (issues.length > 0) throw new RequestInvalidError(issues)

    const bucket = bucketOf(body.bucket)
    const principal = principalOf(res)
    const vended = await deps.vendor.vend(principal, body.scope)
    // Keys are full OSS keys in every route; one the policy denies is refused, never rewritten.
    requireAllowed(vended.rendered, bucket, OPERATION_FOR_METHOD[body.method], body.key, '/key')
    if (body.process !== undefined) {
      const check = checkProcess(body.process, config.sign.processOperations, vended.rendered.prefix)
      if (!check.ok) throw new RequestInvalidError([{ pointer: '/process', code: 'sign.process', message: check.reason }])
    }

    const now = deps.clock()
    const remainingSec = Math.floor((vended.credentials.expiresAt - now.getTime()) / 1000)
    const expiresIn = Math.max(1, Math.min(body.expiresIn ?? config.sign.urlTtlSec, config.sign.maxUrlTtlSec[body.method], remainingSec))
    const headers: Record<string, string> = {}
    if (body.method === 'PUT') {
      headers['Content-Type'] = body.contentType ?? 'application/octet-stream'
      if (body.contentMd5) headers['Content-MD5'] = body.contentMd5
      if (config.sign.forbidOverwrite) headers['x-oss-forbid-overwrite'] = 'true'
      const sse = config.sign.serverSideEncryption
      if (sse) {
        headers['x-oss-server-side-encryption'] = sse.algorithm
        if (sse.algorithm === 'KMS' && sse.keyId) headers['x-oss-server-side-encryption-key-id'] = sse.keyId
      }
    }
    const query: Record<string, string> = {}
    for (const [name, value] of Object.entries(body.response ?? {})) query[RESPONSE_PARAMS[name] as string] = value
    if (body.process) query['x-oss-process'] = body.process
    const credentials = { accessKeyId: vended.credentials.accessKeyId, accessKeySecret: vended.credentials.accessKeySecret, securityToken: vended.credentials.securityToken }
    const version = body.version ?? config.sign.signatureVersion
    const placement = placementOf(deps, bucket)
    const common = { credentials, endpoint: placement.signing, bucket, key: body.key, method: body.method, headers, query }
    const signed = version === 'v4'
      ? presignUrlV4({ ...common, region: placement.region, now, expiresInSec: expiresIn })
      : presignUrlV1({ ...common, expires: Math.floor(now.getTime() / 1000) + expiresIn })
    deps.metrics.signatures.inc({ kind: 'url', version })
    res.setHeader('Cache-Control', 'no-store')
    res.json({ url: signed.url, method: body.method, headers, expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString(), expiresIn, version })
  })

  router.post('/v1/sign/post', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), validateBody(SignPostBody), async (req, res) => {
    const body = req.body as SignPostBody
    const bucket = bucketOf(body.bucket)
    const principal = principalOf(res)
    const vended = await deps.vendor.vend(principal, body.scope)
    const prefix = vended.rendered.prefix
    const issues: Issue[] = []
    if (body.dir !== undefined && body.key !== undefined) issues.push({ pointer: '/key', code: 'sign.dir-or-key', message: 'give "dir" or "key", not both' })
    // Keys are full OSS keys, as in /v1/sign/url; one under another prefix is refused, never rewritten.
    if (!isRulesRendered(vended.rendered)) {
      if (body.key !== undefined && !body.key.startsWith(prefix)) throw new KeyOutsidePrefixError('/key', prefix)
      if (body.dir !== undefined && !body.dir.startsWith(prefix)) throw new KeyOutsidePrefixError('/dir', prefix)
    }
    const keyPrefix = body.dir ?? prefix
    if (keyPrefix !== '' && !keyPrefix.endsWith('/')) issues.push({ pointer: '/dir', code: 'key.dir', message: 'dir must end with "/"' })
    const fullKey = body.key
    issues.push(...checkObjectKey(fullKey ?? `${keyPrefix}x`, body.key !== undefined ? '/key' : '/dir'))
    if (body.key !== undefined) issues.push(...checkLeafName(body.key.split('/').pop() ?? '', '/key'))
    const maxSize = body.maxSize ?? config.sign.maxUploadBytes
    if (maxSize > config.sign.maxUploadBytes) issues.push({ pointer: '/maxSize', code: 'sign.too-large', message: `maxSize may be at most ${config.sign.maxUploadBytes}` })
    const allowed = config.sign.contentTypes
    const contentTypes = body.contentTypes ?? (allowed.length > 0 ? allowed : undefined)
    if (body.contentTypes && allowed.length > 0) {
      const outside = body.contentTypes.filter((t) => !allowed.includes(t))
      if (outside.length > 0) issues.push({ pointer: '/contentTypes', code: 'sign.content-type', message: `not allowed: ${outside.join(', ')}` })
    }
    if (issues.length > 0) throw new RequestInvalidError(issues)
    requireAllowed(vended.rendered, bucket, 'PostObject', fullKey ?? `${keyPrefix}probe`, fullKey !== undefined ? '/key' : '/dir')
    // A form for a directory lets the browser pick any key under it: under path rules the whole
    // directory must be writable, not just one sample key in it.
    if (fullKey === undefined && isRulesRendered(vended.rendered) && !rulesAllowListing(vended.rendered.grants, 'write', bucket, keyPrefix)) {
      throw new AccessDeniedError('dir-not-writable', 'PostObject is not allowed for every key under this dir')
    }

    const now = deps.clock()
    const remainingMs = vended.credentials.expiresAt - now.getTime()
    const expiration = new Date(now.getTime() + Math.max(1000, Math.min(config.sign.postTtlSec * 1000, remainingMs)))
    const ticket = createTicket(deps.ticketSecret, { id: randomUUID(), user: principal.userId, prefix: fullKey ?? keyPrefix, expires: Math.floor(expiration.getTime() / 1000) + 3600, bucket })
    const callback = config.sign.callback
      ? encodeCallbackParam({
          url: `${deps.publicUrl()}/v1/oss/callback`,
          body: `bucket=\${bucket}&object=\${object}&size=\${size}&mimeType=\${mimeType}&etag=\${etag}&crc64=\${crc64}&ticket=${ticket}`,
        })
      : undefined
    const spec: PostPolicySpec = {
      bucket,
      expiration,
      key: fullKey !== undefined ? { equals: fullKey } : { startsWith: keyPrefix },
      contentLength: { min: 1, max: maxSize },
      ...(contentTypes ? { contentTypes } : {}),
      successActionStatus: '200',
      forbidOverwrite: config.sign.forbidOverwrite,
      ...(config.sign.serverSideEncryption ? { serverSideEncryption: config.sign.serverSideEncryption } : {}),
      ...(callback ? { callback } : {}),
    }
    const credentials = { accessKeyId: vended.credentials.accessKeyId, accessKeySecret: vended.credentials.accessKeySecret, securityToken: vended.credentials.securityToken }
    const version = body.format === 'sample' ? 'v1' : (body.version ?? config.sign.signatureVersion)
    const placement = placementOf(deps, bucket)
    const form = version === 'v4'
      ? buildPostFormV4(spec, credentials, placement.signing, placement.region, now)
      : buildPostFormV1(spec, credentials, placement.signing)
    const expire = Math.floor(expiration.getTime() / 1000)
    deps.metrics.signatures.inc({ kind: 'post', version })
    res.setHeader('Cache-Control', 'no-store')
    if (body.format === 'sample') {
      // The flat shape of Alibaba's web upload samples; with STS credentials the form must also
      // carry x-oss-security-token, which those pages do not send by themselves.
      const field = (name: string) => form.fields.find(([n]) => n === name)?.[1]
      res.json({ accessid: field('OSSAccessKeyId'), host: form.host, policy: field('policy'), signature: field('Signature'), expire, callback: callback ?? '', dir: keyPrefix, securityToken: field('x-oss-security-token') })
      return
    }
    res.json({
      host: form.host,
      dir: keyPrefix,
      ...(fullKey !== undefined ? { key: fullKey } : {}),
      expire,
      expiration: expiration.toISOString(),
      version,
      maxSize,
      ...(contentTypes ? { contentTypes } : {}),
      fields: form.fields.map(([name, value]) => ({ name, value })),
    })
  })
}
