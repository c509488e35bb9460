import { xmlDocument, xmlElements } from '../oss-xml.js'
import type { OssCall, OssRoute } from './context.js'
import { methodNotAllowed, noSuchBucket, noSuchKey, OssFailure } from './failure.js'
import { sendEmpty, sendXml } from './http-io.js'
import { aclOf, putOptionsFrom, setObjectHeaders } from './object-headers.js'
import { answerCallback, decodeCallbackVars } from './upload-callback.js'

const RESPONSE_OVERRIDES = [
  ['response-content-type', 'Content-Type'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-content-encoding', 'Content-Encoding'],
] as const

async function putObject(call: OssCall): Promise<void> {
  const { sandbox, r, target: t, req, res } = call
  const meta = sandbox.store.head(t.bucket, t.key)
  call.authorize('PutObject', { key: t.key, tagging: r.headers['x-oss-tagging'] !== undefined }, meta)
  if (aclOf(r.headers)) call.authorize('PutObjectAcl', { key: t.key }, meta)
  const saved = await sandbox.store.put(t.bucket, t.key, call.body(), {
    ...putOptionsFrom(r.headers, call.now),
    ...(r.headers['content-md5'] ? { contentMd5: r.headers['content-md5'] } : {}),
    ...(sandbox.options.maxObjectBytes ? { maxBytes: sandbox.options.maxObjectBytes } : {}),
  })
  setObjectHeaders(res, saved, false)
  const callback = r.headers['x-oss-callback']
  if (callback) return answerCallback(sandbox, req, res, t.bucket, saved, { callback, vars: decodeCallbackVars(r.headers['x-oss-callback-var']), operation: 'PutObject' })
  return sendEmpty(res, 200)
}

function getObject(call: OssCall): void {
  const { sandbox, r, target: t, res } = call
  const meta = sandbox.store.head(t.bucket, t.key)
  call.authorize('GetObject', { key: t.key }, meta)
  if (!meta) throw noSuchKey()
  setObjectHeaders(res, meta, true)
  for (const [param, headerName] of RESPONSE_OVERRIDES) {
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
  sandbox.store.read(t.bucket, meta, range ?? undefined).pipe(res)
}

async function deleteObject(call: OssCall): Promise<void> {
  const { sandbox, target: t } = call
  call.authorize('DeleteObject', { key: t.key }, sandbox.store.head(t.bucket, t.key))
  await sandbox.store.delete(t.bucket, t.key)
  sendEmpty(call.res, 204)
}

async function copyObject(call: OssCall): Promise<void> {
  const { sandbox, r, target: t, res } = call
  const source = decodeURIComponent(r.headers['x-oss-copy-source'] as string).replace(/^\//, '')
  const slash = source.indexOf('/')
  const sourceBucket = slash < 0 ? '' : source.slice(0, slash)
  const sourceKey = slash < 0 ? '' : source.slice(slash + 1)
  if (!sandbox.store.hasBucket(sourceBucket)) throw noSuchBucket()
  const sourceMeta = sandbox.store.head(sourceBucket, sourceKey)
  call.authorize('CopyObject', { key: t.key, sourceBucket, sourceKey }, sourceMeta)
  const acl = aclOf(r.headers)
  if (acl) call.authorize('PutObjectAcl', { key: t.key }, sandbox.store.head(t.bucket, t.key))
  if (!sourceMeta) throw noSuchKey()
  const replace = r.headers['x-oss-metadata-directive'] === 'REPLACE'
  const opts = replace
    ? putOptionsFrom(r.headers, call.now)
    : { contentType: sourceMeta.contentType, userMeta: sourceMeta.userMeta, forbidOverwrite: r.headers['x-oss-forbid-overwrite'] === 'true', ...(acl ? { acl } : {}), now: call.now }
  const meta = await sandbox.store.copy(sourceBucket, sourceMeta, t.bucket, t.key, opts)
  setObjectHeaders(res, meta, false)
  sendXml(res, 200, xmlDocument('CopyObjectResult', xmlElements([['ETag', meta.etag], ['LastModified', meta.lastModified]])))
}

const onObject = (call: OssCall) => call.target.key !== ''

/** PutObject, GetObject, HeadObject, DeleteObject, CopyObject. */
export const objectRoutes: readonly OssRoute[] = [
  { name: 'CopyObject', matches: (c) => onObject(c) && c.r.method === 'PUT' && c.r.headers['x-oss-copy-source'] !== undefined, handle: copyObject },
  { name: 'PutObject', matches: (c) => onObject(c) && c.r.method === 'PUT', handle: putObject },
  { name: 'GetObject', matches: (c) => onObject(c) && (c.r.method === 'GET' || c.r.method === 'HEAD'), handle: getObject },
  { name: 'DeleteObject', matches: (c) => onObject(c) && c.r.method === 'DELETE', handle: deleteObject },
  {
    name: 'object: other methods',
    matches: onObject,
    handle: () => {
      throw methodNotAllowed()
    },
  },
]

export function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
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
