import type { IncomingMessage, ServerResponse } from 'node:http'
import Busboy from 'busboy'
import { verifyPostForm } from '../../oss/verify-post.js'
import { authorizeOperation } from '../../policy/operations.js'
import type { StagedBody } from '../object-store.js'
import { xmlDocument, xmlElements, type OssErrorCode } from '../oss-xml.js'
import type { Sandbox } from './context.js'
import { noSuchBucket, OssFailure } from './failure.js'
import { header, sendEmpty, sendXml } from './http-io.js'
import { aclOf, putOptionsFrom, setObjectHeaders } from './object-headers.js'
import { answerCallback } from './upload-callback.js'

interface Form {
  readonly fields: Record<string, string>
  readonly staged?: StagedBody
  readonly fileName: string
  readonly fileType: string
}

/** A browser form upload: `POST /bucket` (or to `bucket.host`) as multipart/form-data. */
export function isPostObject(req: IncomingMessage, key: string, bucket: string): boolean {
  return req.method === 'POST' && (header(req, 'content-type') ?? '').startsWith('multipart/form-data') && key === '' && bucket !== ''
}

/**
 * PostObject: the form's fields arrive before the file; the file is staged (invisible), then
 * the signature, the policy (with the real size), and the engine all have to agree before the
 * object is published.
 */
export async function postObject(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> {
  const { options, store, referer } = sandbox
  if (!store.hasBucket(bucket)) throw noSuchBucket()
  const now = sandbox.now()
  const { fields, staged, fileName, fileType } = await readForm(sandbox, req)
  try {
    if (!staged) throw new OssFailure('InvalidArgument', 'The body of your POST request is not well-formed multipart/form-data.')
    const lower = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]))
    if (lower.key !== undefined) lower.key = lower.key.replace('${filename}', fileName)
    const verdict = verifyPostForm({ bucket, fields: lower, fileSize: staged.size }, sandbox.lookup, now, options.region)
    if (!verdict.ok) throw new OssFailure(verdict.code as OssErrorCode, verdict.message)
    const key = verdict.key
    const accessKeyId = verdict.anonymous ? undefined : verdict.accessKeyId
    if (referer) {
      const check = referer({ ...(header(req, 'referer') ? { referer: header(req, 'referer') as string } : {}), hasAuthorizationHeader: false })
      if (!check.allowed) throw new OssFailure('AccessDenied', 'You are denied by bucket referer policy.', check.reason)
    }
    const layers = sandbox.layersFor(accessKeyId, store.head(bucket, key))
    // A form that sets an ACL needs oss:PutObjectAcl too, as RAM documents.
    for (const operation of aclOf(lower) ? ['PostObject', 'PutObjectAcl'] : ['PostObject']) {
      const result = authorizeOperation(layers, operation, { bucket, key, account: options.account })
      if (result.decision !== 'Allow') {
        const failed = result.checks[0]?.result
        throw new OssFailure('AccessDenied', 'You have no right to access this object because of bucket acl or policy.', `${operation}: ${failed?.decision} (${failed?.layer}: ${failed?.reason})`)
      }
    }
    const contentType = lower['content-type'] ?? (fileType || 'application/octet-stream')
    const meta = await store.publish(bucket, key, staged, putOptionsFrom({ ...lower, 'content-type': contentType }, now))
    setObjectHeaders(res, meta, false)
    const statusText = lower.success_action_status
    const status = statusText === '200' || statusText === '201' ? Number(statusText) : 204
    const created = status === 201 ? xmlDocument('PostResponse', xmlElements([['Bucket', bucket], ['Location', `${options.selfUrl?.() ?? ''}/${bucket}/${key}`], ['Key', key], ['ETag', meta.etag]])) : ''
    const vars = Object.fromEntries(Object.entries(lower).filter(([k]) => k.startsWith('x:')))
    if (lower.callback) return await answerCallback(sandbox, req, res, bucket, meta, { callback: lower.callback, vars, operation: 'PostObject' })
    if (created) return sendXml(res, 201, created)
    return sendEmpty(res, status)
  } catch (err) {
    if (staged) await store.discard(staged).catch(() => undefined)
    throw err
  }
}

function readForm(sandbox: Sandbox, req: IncomingMessage): Promise<Form> {
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
      staging = sandbox.store.stage(stream, sandbox.options.maxObjectBytes)
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
