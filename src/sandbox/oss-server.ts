import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes, type KeyObject } from 'node:crypto'
import Busboy from 'busboy'
import { XMLParser } from 'fast-xml-parser'
import { verifyPostForm } from '../oss/verify-post.js'
import { sendCallback } from './oss-callback-sender.js'
import { verifyRequest, type CredentialLookup, type ReceivedRequest } from '../oss/verify.js'
import type { PolicyLayers } from '../policy/authorize.js'
import { authorizeOperation, type OperationParams } from '../policy/operations.js'
import { parsePolicyText } from '../policy/parse.js'
import { compileRefererConfig, type RefererChecker, type RefererConfig } from '../policy/referer.js'
import type { Policy } from '../policy/types.js'
import type { Clock } from '../lib/clock.js'
import { StoreError, type ObjectAcl, type ObjectMeta, type ObjectStore, type StagedBody } from './object-store.js'
import { OSS_ERRORS, xmlDocument, xmlElements, xmlText, type OssErrorCode } from './oss-xml.js'
import type { StsCredentialStore } from './sts-credential-store.js'

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
}

class OssFailure extends Error {
  readonly ossCode: OssErrorCode
  readonly detail: string | undefined
  constructor(code: OssErrorCode, message: string, detail?: string) {
    super(message)
    this.ossCode = code
    this.detail = detail
  }
}

interface Target {
  readonly bucket: string
  readonly key: string
}

/**
 * A local OSS endpoint that checks what OSS checks: every request is authenticated with the
 * project's verifiers (V1/V4 headers and signed URLs, security token, expiry, clock skew), then
 * authorised by the policy engine (STS session policy intersected with the role policy; bucket
 * and object ACLs for anonymous requests; the referer whitelist for anonymous and signed-URL
 * requests). Errors are OSS's XML with the engine's reason in the detail. Objects carry ETag and
 * `x-oss-hash-crc64ecma`; Content-MD5 is checked when sent.
 *
 * Operations so far: ListBuckets, ListObjects (v1 and v2), PutObject, GetObject (with Range),
 * HeadObject, DeleteObject, Get/PutObjectAcl, and CORS for browsers. Path style (`/bucket/key`,
 * what SDKs use for IP endpoints) and virtual-host style (`bucket.localhost:port`).
 */
export function createSandboxOss(options: SandboxOssOptions) {
  const sessionPolicies = new Map<string, Policy | undefined>()
  // Where the sandbox's time goes, for bench/sandbox: all requests, and the share spent on
  // authentication (signatures) and authorisation (the policy engine).
  const timing = { requests: 0, totalNs: 0, authNs: 0, policyNs: 0 }
  const referer: RefererChecker | undefined = options.referer ? compileRefererConfig(options.referer) : undefined
  // Sandbox-only: `PUT /__sandbox/clock {"offsetMs"}` moves the endpoint's clock, to try expiry.
  let clockOffsetMs = 0
  const clock = () => new Date(options.clock().getTime() + clockOffsetMs)
  const allowed = (origin: string | undefined) => origin !== undefined && options.corsOrigins().includes(origin)

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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      timing.requests++
      timing.totalNs += Number(process.hrtime.bigint() - started)
    })
    const requestId = randomBytes(12).toString('hex').toUpperCase()
    res.setHeader('x-oss-request-id', requestId)
    res.setHeader('Server', 'AliyunOSS')
    const origin = header(req, 'origin')
    if (allowed(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin as string)
      res.setHeader('Access-Control-Expose-Headers', 'ETag, x-oss-request-id, x-oss-hash-crc64ecma, x-oss-version-id')
      res.setHeader('Vary', 'Origin')
    }
    try {
      if (req.method === 'OPTIONS') return preflight(req, res, origin)
      const url = new URL(req.url ?? '/', 'http://sandbox')
      if (url.pathname === '/__sandbox/clock' && req.method === 'PUT') {
        const body = JSON.parse((await readAll(req, 1024)) || '{}') as { offsetMs?: number }
        clockOffsetMs = Number(body.offsetMs ?? 0) || 0
        res.setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify({ offsetMs: clockOffsetMs }))
        return
      }
      if (url.pathname === '/__sandbox/stats') {
        res.setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify(timing))
        return
      }
      if (url.pathname === '/__sandbox/callback_pub_key.pem' && options.callbackKey) {
        res.setHeader('Content-Type', 'application/x-pem-file')
        res.end(options.callbackKey.publicKeyPem)
        return
      }
      if (req.method === 'POST' && (header(req, 'content-type') ?? '').startsWith('multipart/form-data')) {
        const target = parseTarget(req, url)
        if (target.key === '' && target.bucket !== '') return await postObject(req, res, target.bucket)
      }
      const target = parseTarget(req, url)
      const query: Record<string, string | null> = {}
      for (const [k, v] of url.searchParams) query[k] = v
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v
      const received: ReceivedRequest = { method: req.method ?? 'GET', bucket: target.bucket, key: target.key, query, headers }
      const now = clock()
      const authStarted = process.hrtime.bigint()
      const auth = verifyRequest(received, lookup, now, options.region)
      timing.authNs += Number(process.hrtime.bigint() - authStarted)
      if (!auth.ok) throw new OssFailure(auth.code, auth.message, auth.stringToSign)
      if (target.bucket !== '' && !options.store.hasBucket(target.bucket)) throw new OssFailure('NoSuchBucket', 'The specified bucket does not exist.')
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
      const authorize = (operation: string, params: OperationParams, meta?: ObjectMeta) => {
        const policyStarted = process.hrtime.bigint()
        const result = authorizeOperation(layersFor(accessKeyId, meta), operation, { bucket: target.bucket, account: options.account, context, ...params })
        timing.policyNs += Number(process.hrtime.bigint() - policyStarted)
        if (result.decision !== 'Allow') {
          const failed = result.checks.find((c) => c.result.decision !== 'Allow')
          throw new OssFailure('AccessDenied', 'You have no right to access this object because of bucket acl or policy.', `${result.operation}: ${failed?.result.decision} (${failed?.result.layer}: ${failed?.result.reason})`)
        }
      }
      await route(req, res, received, target, authorize, now)
    } catch (err) {
      sendError(res, err, requestId)
    }
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    r: ReceivedRequest,
    t: Target,
    authorize: (operation: string, params: OperationParams, meta?: ObjectMeta) => void,
    now: Date,
  ): Promise<void> {
    const store = options.store
    const has = (name: string) => r.query[name] !== undefined
    if (t.bucket === '') {
      if (r.method !== 'GET') throw new OssFailure('MethodNotAllowed', 'The specified method is not allowed against this resource.')
      authorize('ListBuckets', {})
      const buckets = store.buckets().map((b) => `<Bucket>${xmlElements([['Name', b], ['Location', `oss-${options.region}`], ['Region', options.region], ['CreationDate', '2026-01-01T00:00:00.000Z']])}</Bucket>`).join('')
      return sendXml(res, 200, xmlDocument('ListAllMyBucketsResult', `<Owner>${xmlElements([['ID', options.account], ['DisplayName', options.account]])}</Owner><Buckets>${buckets}</Buckets>`))
    }
    if (t.key === '') {
      if (r.method === 'GET' && !has('acl') && !has('uploads')) return listObjects(res, r, t, authorize)
      if (r.method === 'GET' && has('uploads')) {
        const prefix = r.query.prefix ?? ''
        authorize('ListMultipartUploads', { prefix })
        const uploads = store.listUploads(t.bucket, prefix).map((u) => `<Upload>${xmlElements([['Key', u.key], ['UploadId', u.id], ['Initiated', u.initiated]])}</Upload>`).join('')
        return sendXml(res, 200, xmlDocument('ListMultipartUploadsResult', `${xmlElements([['Bucket', t.bucket], ['Prefix', prefix], ['IsTruncated', false]])}${uploads}`))
      }
      if (r.method === 'POST' && has('delete')) return deleteMultiple(req, res, t, authorize)
      throw new OssFailure('NotImplemented', 'This bucket operation is not implemented by the sandbox yet.')
    }
    const meta = store.head(t.bucket, t.key)
    if (has('acl')) {
      if (r.method === 'GET') {
        authorize('GetObjectAcl', { key: t.key }, meta)
        if (!meta) throw new OssFailure('NoSuchKey', 'The specified key does not exist.')
        return sendXml(res, 200, xmlDocument('AccessControlPolicy', `<Owner>${xmlElements([['ID', options.account], ['DisplayName', options.account]])}</Owner><AccessControlList>${xmlElements([['Grant', meta.acl]])}</AccessControlList>`))
      }
      if (r.method === 'PUT') {
        authorize('PutObjectAcl', { key: t.key }, meta)
        if (!meta) throw new OssFailure('NoSuchKey', 'The specified key does not exist.')
        const acl = r.headers['x-oss-object-acl'] as ObjectAcl | undefined
        if (!acl || !['default', 'private', 'public-read', 'public-read-write'].includes(acl)) throw new OssFailure('InvalidArgument', 'no such object access control exists')
        await store.setAcl(t.bucket, t.key, acl)
        return sendEmpty(res, 200)
      }
    }
    if (has('uploads') || has('uploadId')) return multipart(req, res, r, t, authorize, now)
    if (r.method === 'PUT' && r.headers['x-oss-copy-source']) return copyObject(res, r, t, authorize, now)
    if (has('append')) throw new OssFailure('NotImplemented', 'AppendObject is not implemented by the sandbox yet.')
    switch (r.method) {
      case 'PUT': {
        authorize('PutObject', { key: t.key, tagging: r.headers['x-oss-tagging'] !== undefined }, meta)
        const userMeta = Object.fromEntries(Object.entries(r.headers).filter(([k]) => k.startsWith('x-oss-meta-')))
        const acl = r.headers['x-oss-object-acl'] as ObjectAcl | undefined
        const saved = await store.put(t.bucket, t.key, req, {
          contentType: r.headers['content-type'] ?? 'application/octet-stream',
          ...(r.headers['content-md5'] ? { contentMd5: r.headers['content-md5'] } : {}),
          ...(acl ? { acl } : {}),
          ...(r.headers['x-oss-server-side-encryption'] ? { serverSideEncryption: r.headers['x-oss-server-side-encryption'] } : {}),
          ...(r.headers['x-oss-server-side-encryption-key-id'] ? { serverSideEncryptionKeyId: r.headers['x-oss-server-side-encryption-key-id'] } : {}),
          userMeta,
          forbidOverwrite: r.headers['x-oss-forbid-overwrite'] === 'true',
          ...(options.maxObjectBytes ? { maxBytes: options.maxObjectBytes } : {}),
          now,
        })
        setObjectHeaders(res, saved, false)
        const callback = r.headers['x-oss-callback']
        if (callback) return answerCallback(res, callback, decodeVars(r.headers['x-oss-callback-var']), t.bucket, saved, req, 'PutObject', 200, '')
        return sendEmpty(res, 200)
      }
      case 'GET':
      case 'HEAD': {
        authorize('GetObject', { key: t.key }, meta)
        if (!meta) throw new OssFailure('NoSuchKey', 'The specified key does not exist.')
        setObjectHeaders(res, meta, true)
        for (const [param, headerName] of [['response-content-type', 'Content-Type'], ['response-content-disposition', 'Content-Disposition'], ['response-cache-control', 'Cache-Control'], ['response-content-language', 'Content-Language'], ['response-expires', 'Expires'], ['response-content-encoding', 'Content-Encoding']] as const) {
          const v = r.query[param]
          if (v) res.setHeader(headerName, v)
        }
        const range = parseRange(r.headers.range, meta.size)
        if (range === 'invalid') throw new OssFailure('InvalidRange', 'The requested range cannot be satisfied.')
        if (range) {
          res.statusCode = 206
          res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${meta.size}`)
          res.setHeader('Content-Length', String(range.end - range.start + 1))
        } else {
          res.statusCode = 200
          res.setHeader('Content-Length', String(meta.size))
        }
        if (r.method === 'HEAD' || meta.size === 0) {
          res.end()
          return
        }
        options.store.read(t.bucket, meta, range ?? undefined).pipe(res)
        return
      }
      case 'DELETE':
        authorize('DeleteObject', { key: t.key }, meta)
        await store.delete(t.bucket, t.key)
        return sendEmpty(res, 204)
      default:
        throw new OssFailure('MethodNotAllowed', 'The specified method is not allowed against this resource.')
    }
  }

  type Authorize = (operation: string, params: OperationParams, meta?: ObjectMeta) => void

  function putOptionsFrom(headers: Readonly<Record<string, string>>, now: Date) {
    const acl = headers['x-oss-object-acl'] as ObjectAcl | undefined
    return {
      contentType: headers['content-type'] ?? 'application/octet-stream',
      ...(acl ? { acl } : {}),
      ...(headers['x-oss-server-side-encryption'] ? { serverSideEncryption: headers['x-oss-server-side-encryption'] } : {}),
      ...(headers['x-oss-server-side-encryption-key-id'] ? { serverSideEncryptionKeyId: headers['x-oss-server-side-encryption-key-id'] } : {}),
      userMeta: Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('x-oss-meta-'))),
      forbidOverwrite: headers['x-oss-forbid-overwrite'] === 'true',
      now,
    }
  }

  async function multipart(req: IncomingMessage, res: ServerResponse, r: ReceivedRequest, t: Target, authorize: Authorize, now: Date): Promise<void> {
    const store = options.store
    const uploadId = r.query.uploadId ?? undefined
    if (r.method === 'POST' && r.query.uploads !== undefined) {
      authorize('InitiateMultipartUpload', { key: t.key })
      const id = await store.initiateMultipart(t.bucket, t.key, putOptionsFrom(r.headers, now))
      return sendXml(res, 200, xmlDocument('InitiateMultipartUploadResult', xmlElements([['Bucket', t.bucket], ['Key', t.key], ['UploadId', id]])))
    }
    const upload = uploadId ? store.upload(uploadId) : undefined
    if (!upload || upload.bucket !== t.bucket || upload.key !== t.key) throw new OssFailure('NoSuchUpload', 'The specified multipart upload does not exist.')
    switch (r.method) {
      case 'PUT': {
        const partNumber = Number(r.query.partNumber)
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new OssFailure('InvalidArgument', 'Part number must be an integer between 1 and 10000.')
        authorize('UploadPart', { key: t.key })
        const part = await store.uploadPart(upload.id, partNumber, req, r.headers['content-md5'])
        res.setHeader('ETag', part.etag)
        res.setHeader('x-oss-hash-crc64ecma', part.crc64)
        return sendEmpty(res, 200)
      }
      case 'GET': {
        authorize('ListParts', { key: t.key })
        const parts = (await store.listParts(upload.id)).map((p) => `<Part>${xmlElements([['PartNumber', p.partNumber], ['ETag', p.etag], ['Size', p.size], ['HashCrc64ecma', p.crc64]])}</Part>`).join('')
        return sendXml(res, 200, xmlDocument('ListPartsResult', `${xmlElements([['Bucket', t.bucket], ['Key', t.key], ['UploadId', upload.id], ['IsTruncated', false]])}${parts}`))
      }
      case 'DELETE':
        authorize('AbortMultipartUpload', { key: t.key })
        await store.abortMultipart(upload.id)
        return sendEmpty(res, 204)
      case 'POST': {
        authorize('CompleteMultipartUpload', { key: t.key })
        const xml = parseXml(await readAll(req, 1024 * 1024)) as { CompleteMultipartUpload?: { Part?: unknown } }
        const listed = toArray(xml.CompleteMultipartUpload?.Part).map((p) => {
          const part = p as { PartNumber?: unknown; ETag?: unknown }
          return { partNumber: Number(part.PartNumber), etag: String(part.ETag ?? '') }
        })
        const meta = await store.completeMultipart(upload.id, listed, now)
        setObjectHeaders(res, meta, false)
        const result = xmlDocument('CompleteMultipartUploadResult', xmlElements([['Location', `${options.selfUrl?.() ?? ''}/${t.bucket}/${t.key}`], ['Bucket', t.bucket], ['Key', t.key], ['ETag', meta.etag]]))
        const callback = r.headers['x-oss-callback']
        if (callback) return answerCallback(res, callback, decodeVars(r.headers['x-oss-callback-var']), t.bucket, meta, req, 'CompleteMultipartUpload', 200, result)
        return sendXml(res, 200, result)
      }
      default:
        throw new OssFailure('MethodNotAllowed', 'The specified method is not allowed against this resource.')
    }
  }

  async function copyObject(res: ServerResponse, r: ReceivedRequest, t: Target, authorize: Authorize, now: Date): Promise<void> {
    const source = decodeURIComponent(r.headers['x-oss-copy-source'] as string).replace(/^\//, '')
    const slash = source.indexOf('/')
    const sourceBucket = slash < 0 ? '' : source.slice(0, slash)
    const sourceKey = slash < 0 ? '' : source.slice(slash + 1)
    if (!options.store.hasBucket(sourceBucket)) throw new OssFailure('NoSuchBucket', 'The specified bucket does not exist.')
    const sourceMeta = options.store.head(sourceBucket, sourceKey)
    authorize('CopyObject', { key: t.key, sourceBucket, sourceKey }, sourceMeta)
    if (!sourceMeta) throw new OssFailure('NoSuchKey', 'The specified key does not exist.')
    const replace = r.headers['x-oss-metadata-directive'] === 'REPLACE'
    const opts = replace
      ? putOptionsFrom(r.headers, now)
      : { contentType: sourceMeta.contentType, userMeta: sourceMeta.userMeta, forbidOverwrite: r.headers['x-oss-forbid-overwrite'] === 'true', now }
    const meta = await options.store.copy(sourceBucket, sourceMeta, t.bucket, t.key, opts)
    setObjectHeaders(res, meta, false)
    return sendXml(res, 200, xmlDocument('CopyObjectResult', xmlElements([['ETag', meta.etag], ['LastModified', meta.lastModified]])))
  }

  async function deleteMultiple(req: IncomingMessage, res: ServerResponse, t: Target, authorize: Authorize): Promise<void> {
    const xml = parseXml(await readAll(req, 1024 * 1024)) as { Delete?: { Quiet?: unknown; Object?: unknown } }
    const keys = toArray(xml.Delete?.Object).map((o) => String((o as { Key?: unknown }).Key ?? ''))
    if (keys.length === 0 || keys.length > 1000) throw new OssFailure('MalformedXML', 'The XML you provided was not well-formed or did not validate.')
    authorize('DeleteMultipleObjects', { keys })
    for (const key of keys) await options.store.delete(t.bucket, key)
    const quiet = String(xml.Delete?.Quiet ?? 'false') === 'true'
    const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlText(k)}</Key></Deleted>`).join('')
    return sendXml(res, 200, xmlDocument('DeleteResult', deleted))
  }

  /**
   * PostObject: the form's fields arrive before the file; the file is staged (invisible), then
   * the signature, the policy (with the real size), and the engine all have to agree before the
   * object is published.
   */
  async function postObject(req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> {
    if (!options.store.hasBucket(bucket)) throw new OssFailure('NoSuchBucket', 'The specified bucket does not exist.')
    const now = clock()
    const { fields, staged, fileName, fileType } = await readForm(req)
    try {
      if (!staged) throw new OssFailure('InvalidArgument', 'The body of your POST request is not well-formed multipart/form-data.')
      const lower = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]))
      if (lower.key !== undefined) lower.key = lower.key.replace('${filename}', fileName)
      const verdict = verifyPostForm({ bucket, fields: lower, fileSize: staged.size }, lookup, now, options.region)
      if (!verdict.ok) throw new OssFailure(verdict.code as OssErrorCode, verdict.message)
      const key = verdict.key
      const accessKeyId = verdict.anonymous ? undefined : verdict.accessKeyId
      if ((verdict.anonymous || accessKeyId) && referer) {
        const check = referer({ ...(header(req, 'referer') ? { referer: header(req, 'referer') as string } : {}), hasAuthorizationHeader: false })
        if (!check.allowed) throw new OssFailure('AccessDenied', 'You are denied by bucket referer policy.', check.reason)
      }
      const result = authorizeOperation(layersFor(accessKeyId, options.store.head(bucket, key)), 'PostObject', { bucket, key, account: options.account })
      if (result.decision !== 'Allow') {
        const failed = result.checks[0]?.result
        throw new OssFailure('AccessDenied', 'You have no right to access this object because of bucket acl or policy.', `PostObject: ${failed?.decision} (${failed?.layer}: ${failed?.reason})`)
      }
      const contentType = lower['content-type'] ?? (fileType || 'application/octet-stream')
      const meta = await options.store.publish(bucket, key, staged, {
        ...putOptionsFrom({ ...lower, 'content-type': contentType }, now),
      })
      setObjectHeaders(res, meta, false)
      const statusText = lower.success_action_status
      const status = statusText === '200' || statusText === '201' ? Number(statusText) : 204
      const created = status === 201 ? xmlDocument('PostResponse', xmlElements([['Bucket', bucket], ['Location', `${options.selfUrl?.() ?? ''}/${bucket}/${key}`], ['Key', key], ['ETag', meta.etag]])) : ''
      const vars = Object.fromEntries(Object.entries(lower).filter(([k]) => k.startsWith('x:')))
      if (lower.callback) return await answerCallback(res, lower.callback, vars, bucket, meta, req, 'PostObject', status, created)
      if (created) return sendXml(res, 201, created)
      return sendEmpty(res, status)
    } catch (err) {
      if (staged) await options.store.discard(staged).catch(() => undefined)
      throw err
    }
  }

  async function readForm(req: IncomingMessage): Promise<{ fields: Record<string, string>; staged?: StagedBody; fileName: string; fileType: string }> {
    return new Promise((resolve, reject) => {
      const fields: Record<string, string> = {}
      let staging: Promise<StagedBody> | undefined
      let fileName = ''
      let fileType = ''
      const form = Busboy({ headers: req.headers, limits: { fields: 100, fieldSize: 64 * 1024, files: 1 } })
      form.on('field', (name, value) => {
        fields[name] = value
      })
      form.on('file', (_name, stream, info) => {
        fileName = info.filename ?? ''
        fileType = info.mimeType ?? ''
        staging = options.store.stage(stream, options.maxObjectBytes)
        staging.catch(() => stream.resume())
      })
      form.on('error', reject)
      form.on('close', () => {
        if (!staging) return resolve({ fields, fileName, fileType })
        staging.then((staged) => resolve({ fields, staged, fileName, fileType }), reject)
      })
      req.pipe(form)
    })
  }

  /** Sends the callback and answers the client: its JSON on success, 203 CallbackFailed otherwise (the object stays). */
  async function answerCallback(res: ServerResponse, callback: string, vars: Record<string, string>, bucket: string, meta: ObjectMeta, req: IncomingMessage, operation: string, _status: number, _fallbackBody: string): Promise<void> {
    if (!options.callbackKey || !options.selfUrl) throw new OssFailure('NotImplemented', 'Callbacks are not configured in this sandbox.')
    const outcome = await sendCallback(
      { callback, vars, values: { bucket, object: meta.key, size: meta.size, mimeType: meta.contentType, etag: meta.etag.replaceAll('"', ''), crc64: meta.crc64, clientIp: req.socket.remoteAddress ?? '', operation } },
      { privateKey: options.callbackKey.privateKey, publicKeyUrl: `${options.selfUrl()}/__sandbox/callback_pub_key.pem` },
    )
    if (outcome.ok) {
      res.statusCode = 200
      res.setHeader('Content-Type', 'application/json')
      res.setHeader('Content-Length', String(Buffer.byteLength(outcome.body)))
      res.end(outcome.body)
      return
    }
    const body = xmlDocument('Error', xmlElements([['Code', 'CallbackFailed'], ['Message', 'Error status : 203.'], ['RequestId', String(res.getHeader('x-oss-request-id') ?? '')], ['Detail', outcome.reason]]))
    sendXml(res, 203, body)
  }

  function listObjects(res: ServerResponse, r: ReceivedRequest, t: Target, authorize: (operation: string, params: OperationParams) => void): void {
    const v2 = r.query['list-type'] === '2'
    const prefix = r.query.prefix ?? ''
    const delimiter = r.query.delimiter ?? undefined
    authorize(v2 ? 'ListObjectsV2' : 'ListObjects', { prefix, ...(delimiter ? { delimiter } : {}) })
    const maxKeys = Math.min(1000, Math.max(0, Number(r.query['max-keys'] ?? 100)))
    const after = v2 ? (r.query['continuation-token'] ? Buffer.from(r.query['continuation-token'], 'base64url').toString() : (r.query['start-after'] ?? undefined)) : (r.query.marker ?? undefined)
    const page = options.store.list(t.bucket, { prefix, ...(delimiter ? { delimiter } : {}), ...(after ? { marker: after } : {}), maxKeys })
    const contents = page.objects
      .map((o) => `<Contents>${xmlElements([['Key', o.key], ['LastModified', o.lastModified], ['ETag', o.etag], ['Type', 'Normal'], ['Size', o.size], ['StorageClass', 'Standard']])}<Owner>${xmlElements([['ID', options.account], ['DisplayName', options.account]])}</Owner></Contents>`)
      .join('')
    const prefixes = page.commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${xmlText(p)}</Prefix></CommonPrefixes>`).join('')
    const head = v2
      ? xmlElements([['Name', t.bucket], ['Prefix', prefix], ['MaxKeys', maxKeys], ['Delimiter', delimiter], ['IsTruncated', page.isTruncated], ['KeyCount', page.objects.length + page.commonPrefixes.length], ['NextContinuationToken', page.nextMarker ? Buffer.from(page.nextMarker).toString('base64url') : undefined]])
      : xmlElements([['Name', t.bucket], ['Prefix', prefix], ['Marker', r.query.marker ?? ''], ['MaxKeys', maxKeys], ['Delimiter', delimiter], ['IsTruncated', page.isTruncated], ['NextMarker', page.nextMarker]])
    sendXml(res, 200, xmlDocument('ListBucketResult', `${head}${contents}${prefixes}`))
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

  function setObjectHeaders(res: ServerResponse, meta: ObjectMeta, full: boolean): void {
    res.setHeader('ETag', meta.etag)
    res.setHeader('x-oss-hash-crc64ecma', meta.crc64)
    if (meta.serverSideEncryption) res.setHeader('x-oss-server-side-encryption', meta.serverSideEncryption)
    if (meta.serverSideEncryptionKeyId) res.setHeader('x-oss-server-side-encryption-key-id', meta.serverSideEncryptionKeyId)
    if (!full) return
    res.setHeader('Content-Type', meta.contentType)
    res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString())
    res.setHeader('x-oss-object-type', 'Normal')
    res.setHeader('Accept-Ranges', 'bytes')
    for (const [k, v] of Object.entries(meta.userMeta)) res.setHeader(k, v)
  }

  function parseTarget(req: IncomingMessage, url: URL): Target {
    const host = (header(req, 'host') ?? '').split(':')[0] ?? ''
    const labels = host.split('.')
    const path = url.pathname
    if (labels.length > 1 && options.store.hasBucket(labels[0] as string) && !/^[0-9.]+$/.test(host)) {
      return { bucket: labels[0] as string, key: decodeURIComponent(path.slice(1)) }
    }
    const rest = path.slice(1)
    const slash = rest.indexOf('/')
    if (slash < 0) return { bucket: decodeURIComponent(rest), key: '' }
    return { bucket: decodeURIComponent(rest.slice(0, slash)), key: decodeURIComponent(rest.slice(slash + 1)) }
  }

  return { handle, lookup }
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true })

function parseXml(text: string): unknown {
  try {
    return xml.parse(text)
  } catch {
    throw new OssFailure('MalformedXML', 'The XML you provided was not well-formed or did not validate.')
  }
}

function toArray(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

function decodeVars(header: string | undefined): Record<string, string> {
  if (!header) return {}
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, string>
  } catch {
    return {}
  }
}

function readAll(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(new OssFailure('MalformedXML', 'The request body is too large.'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!value) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  let start: number
  let end: number
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]))
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  }
  if (start >= size) return 'invalid'
  if (end < start) return undefined
  return { start, end }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/xml')
  res.setHeader('Content-Length', String(Buffer.byteLength(body)))
  res.end(body)
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status
  res.setHeader('Content-Length', '0')
  res.end()
}

function sendError(res: ServerResponse, err: unknown, requestId: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  let code: OssErrorCode = 'InvalidArgument'
  let message = 'The request is invalid.'
  let detail: string | undefined
  if (err instanceof OssFailure) {
    code = err.ossCode
    message = err.message
    detail = err.detail
  } else if (err instanceof StoreError) {
    code = err.ossCode
    message = err.message
  } else {
    res.statusCode = 500
    res.end()
    return
  }
  const body = xmlDocument('Error', xmlElements([['Code', code], ['Message', message], ['RequestId', requestId], ['HostId', 'sandbox'], ['Detail', detail]]))
  sendXml(res, OSS_ERRORS[code], body)
}

export interface RunningSandboxOss {
  readonly server: Server
  readonly url: string
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
