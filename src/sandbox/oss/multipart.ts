import { xmlDocument, xmlElements } from '../oss-xml.js'
import type { MultipartUpload } from '../object-store.js'
import type { OssCall, OssRoute } from './context.js'
import { methodNotAllowed, OssFailure } from './failure.js'
import { parseXml, readAll, sendEmpty, sendXml, toArray } from './http-io.js'
import { aclOf, putOptionsFrom, setObjectHeaders } from './object-headers.js'
import { answerCallback, decodeCallbackVars } from './upload-callback.js'

async function initiate(call: OssCall): Promise<void> {
  const { sandbox, target: t } = call
  call.authorize('InitiateMultipartUpload', { key: t.key })
  if (aclOf(call.r.headers)) call.authorize('PutObjectAcl', { key: t.key }, sandbox.store.head(t.bucket, t.key))
  const id = await sandbox.store.initiateMultipart(t.bucket, t.key, putOptionsFrom(call.r.headers, call.now))
  sendXml(call.res, 200, xmlDocument('InitiateMultipartUploadResult', xmlElements([['Bucket', t.bucket], ['Key', t.key], ['UploadId', id]])))
}

/** The upload the request names, which must be of this bucket and key. */
function uploadOf(call: OssCall): MultipartUpload {
  const { sandbox, target: t } = call
  const uploadId = call.r.query.uploadId ?? undefined
  const upload = uploadId ? sandbox.store.upload(uploadId) : undefined
  if (!upload || upload.bucket !== t.bucket || upload.key !== t.key) throw new OssFailure('NoSuchUpload', 'The specified multipart upload does not exist.')
  return upload
}

async function uploadPart(call: OssCall): Promise<void> {
  const upload = uploadOf(call)
  const partNumber = Number(call.r.query.partNumber)
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new OssFailure('InvalidArgument', 'Part number must be an integer between 1 and 10000.')
  call.authorize('UploadPart', { key: call.target.key })
  const part = await call.sandbox.store.uploadPart(upload.id, partNumber, call.body(), call.r.headers['content-md5'])
  call.res.setHeader('ETag', part.etag)
  call.res.setHeader('x-oss-hash-crc64ecma', part.crc64)
  sendEmpty(call.res, 200)
}

async function listParts(call: OssCall): Promise<void> {
  const upload = uploadOf(call)
  const t = call.target
  call.authorize('ListParts', { key: t.key })
  const parts = (await call.sandbox.store.listParts(upload.id)).map((p) => `<Part>${xmlElements([['PartNumber', p.partNumber], ['ETag', p.etag], ['Size', p.size], ['HashCrc64ecma', p.crc64]])}</Part>`).join('')
  sendXml(call.res, 200, xmlDocument('ListPartsResult', `${xmlElements([['Bucket', t.bucket], ['Key', t.key], ['UploadId', upload.id], ['IsTruncated', false]])}${parts}`))
}

async function abort(call: OssCall): Promise<void> {
  const upload = uploadOf(call)
  call.authorize('AbortMultipartUpload', { key: call.target.key })
  await call.sandbox.store.abortMultipart(upload.id)
  sendEmpty(call.res, 204)
}

async function complete(call: OssCall): Promise<void> {
  const { sandbox, target: t, r, req, res } = call
  const upload = uploadOf(call)
  call.authorize('CompleteMultipartUpload', { key: t.key })
  const xml = parseXml(await readAll(call.body(), 1024 * 1024)) as { CompleteMultipartUpload?: { Part?: unknown } }
  const listed = toArray(xml.CompleteMultipartUpload?.Part).map((p) => {
    const part = p as { PartNumber?: unknown; ETag?: unknown }
    return { partNumber: Number(part.PartNumber), etag: String(part.ETag ?? '') }
  })
  const meta = await sandbox.store.completeMultipart(upload.id, listed, call.now)
  setObjectHeaders(res, meta, false)
  const result = xmlDocument('CompleteMultipartUploadResult', xmlElements([['Location', `${sandbox.options.selfUrl?.() ?? ''}/${t.bucket}/${t.key}`], ['Bucket', t.bucket], ['Key', t.key], ['ETag', meta.etag]]))
  const callback = r.headers['x-oss-callback']
  if (callback) return answerCallback(sandbox, req, res, t.bucket, meta, { callback, vars: decodeCallbackVars(r.headers['x-oss-callback-var']), operation: 'CompleteMultipartUpload' })
  sendXml(res, 200, result)
}

const ofUpload = (c: OssCall) => c.target.key !== '' && c.has('uploadId')

/** InitiateMultipartUpload, UploadPart, ListParts, AbortMultipartUpload, CompleteMultipartUpload. */
export const multipartRoutes: readonly OssRoute[] = [
  { name: 'InitiateMultipartUpload', matches: (c) => c.target.key !== '' && c.r.method === 'POST' && c.has('uploads'), handle: initiate },
  { name: 'UploadPart', matches: (c) => ofUpload(c) && c.r.method === 'PUT', handle: uploadPart },
  { name: 'ListParts', matches: (c) => ofUpload(c) && c.r.method === 'GET', handle: listParts },
  { name: 'AbortMultipartUpload', matches: (c) => ofUpload(c) && c.r.method === 'DELETE', handle: abort },
  { name: 'CompleteMultipartUpload', matches: (c) => ofUpload(c) && c.r.method === 'POST', handle: complete },
  {
    name: 'multipart: other methods',
    matches: (c) => c.target.key !== '' && (c.has('uploads') || c.has('uploadId')),
    handle: (c) => {
      uploadOf(c)
      throw methodNotAllowed()
    },
  },
]
