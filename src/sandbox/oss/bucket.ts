import { xmlDocument, xmlElements, xmlText } from '../oss-xml.js'
import type { OssCall, OssRoute } from './context.js'
import { methodNotAllowed, OssFailure } from './failure.js'
import { parseXml, readAll, sendXml, toArray } from './http-io.js'

function owner(call: OssCall): string {
  const account = call.sandbox.options.account
  return `<Owner>${xmlElements([['ID', account], ['DisplayName', account]])}</Owner>`
}

function listBuckets(call: OssCall): void {
  const { sandbox } = call
  if (call.r.method !== 'GET') throw methodNotAllowed()
  call.authorize('ListBuckets', {})
  const region = sandbox.options.region
  const buckets = sandbox.store
    .buckets()
    .map((b) => `<Bucket>${xmlElements([['Name', b], ['Location', `oss-${region}`], ['Region', region], ['CreationDate', '2026-01-01T00:00:00.000Z']])}</Bucket>`)
    .join('')
  sendXml(call.res, 200, xmlDocument('ListAllMyBucketsResult', `${owner(call)}<Buckets>${buckets}</Buckets>`))
}

/** ListObjects (v1, `marker`) and ListObjectsV2 (`list-type=2`, `continuation-token`). */
function listObjects(call: OssCall): void {
  const { r, target: t } = call
  const v2 = r.query['list-type'] === '2'
  const prefix = r.query.prefix ?? ''
  const delimiter = r.query.delimiter ?? undefined
  call.authorize(v2 ? 'ListObjectsV2' : 'ListObjects', { prefix, ...(delimiter ? { delimiter } : {}) })
  const maxKeys = Math.min(1000, Math.max(0, Number(r.query['max-keys'] ?? 100)))
  const after = v2 ? (r.query['continuation-token'] ? Buffer.from(r.query['continuation-token'], 'base64url').toString() : (r.query['start-after'] ?? undefined)) : (r.query.marker ?? undefined)
  const page = call.sandbox.store.list(t.bucket, { prefix, ...(delimiter ? { delimiter } : {}), ...(after ? { marker: after } : {}), maxKeys })
  const contents = page.objects
    .map((o) => `<Contents>${xmlElements([['Key', o.key], ['LastModified', o.lastModified], ['ETag', o.etag], ['Type', o.appendable ? 'Appendable' : 'Normal'], ['Size', o.size], ['StorageClass', 'Standard']])}${owner(call)}</Contents>`)
    .join('')
  const prefixes = page.commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${xmlText(p)}</Prefix></CommonPrefixes>`).join('')
  const head = v2
    ? xmlElements([['Name', t.bucket], ['Prefix', prefix], ['MaxKeys', maxKeys], ['Delimiter', delimiter], ['IsTruncated', page.isTruncated], ['KeyCount', page.objects.length + page.commonPrefixes.length], ['NextContinuationToken', page.nextMarker ? Buffer.from(page.nextMarker).toString('base64url') : undefined]])
    : xmlElements([['Name', t.bucket], ['Prefix', prefix], ['Marker', r.query.marker ?? ''], ['MaxKeys', maxKeys], ['Delimiter', delimiter], ['IsTruncated', page.isTruncated], ['NextMarker', page.nextMarker]])
  sendXml(call.res, 200, xmlDocument('ListBucketResult', `${head}${contents}${prefixes}`))
}

function listMultipartUploads(call: OssCall): void {
  const t = call.target
  const prefix = call.r.query.prefix ?? ''
  call.authorize('ListMultipartUploads', { prefix })
  const uploads = call.sandbox.store.listUploads(t.bucket, prefix).map((u) => `<Upload>${xmlElements([['Key', u.key], ['UploadId', u.id], ['Initiated', u.initiated]])}</Upload>`).join('')
  sendXml(call.res, 200, xmlDocument('ListMultipartUploadsResult', `${xmlElements([['Bucket', t.bucket], ['Prefix', prefix], ['IsTruncated', false]])}${uploads}`))
}

async function deleteMultipleObjects(call: OssCall): Promise<void> {
  const xml = parseXml(await readAll(call.body(), 1024 * 1024)) as { Delete?: { Quiet?: unknown; Object?: unknown } }
  const keys = toArray(xml.Delete?.Object).map((o) => String((o as { Key?: unknown }).Key ?? ''))
  if (keys.length === 0 || keys.length > 1000) throw new OssFailure('MalformedXML', 'The XML you provided was not well-formed or did not validate.')
  call.authorize('DeleteMultipleObjects', { keys })
  for (const key of keys) await call.sandbox.store.delete(call.target.bucket, key)
  const quiet = String(xml.Delete?.Quiet ?? 'false') === 'true'
  const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlText(k)}</Key></Deleted>`).join('')
  sendXml(call.res, 200, xmlDocument('DeleteResult', deleted))
}

const onService = (c: OssCall) => c.target.bucket === ''
const onBucket = (c: OssCall) => c.target.bucket !== '' && c.target.key === ''

/** ListBuckets, ListObjects(V2), ListMultipartUploads, DeleteMultipleObjects. */
export const bucketRoutes: readonly OssRoute[] = [
  { name: 'ListBuckets', matches: onService, handle: listBuckets },
  { name: 'ListMultipartUploads', matches: (c) => onBucket(c) && c.r.method === 'GET' && c.has('uploads'), handle: listMultipartUploads },
  { name: 'ListObjects', matches: (c) => onBucket(c) && c.r.method === 'GET' && !c.has('acl'), handle: listObjects },
  { name: 'DeleteMultipleObjects', matches: (c) => onBucket(c) && c.r.method === 'POST' && c.has('delete'), handle: deleteMultipleObjects },
  {
    name: 'bucket: other operations',
    matches: onBucket,
    handle: () => {
      throw new OssFailure('NotImplemented', 'This bucket operation is not implemented by the sandbox yet.')
    },
  },
]
