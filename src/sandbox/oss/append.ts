import type { OssCall, OssRoute } from './context.js'
import { OssFailure } from './failure.js'
import { sendEmpty } from './http-io.js'
import { aclOf, putOptionsFrom, setObjectHeaders } from './object-headers.js'

/**
 * AppendObject: `POST /key?append&position=N`. The position must be the object's length (0 for a
 * new object); the answer carries `x-oss-next-append-position` and the whole object's CRC-64.
 * A Normal object cannot be appended to (ObjectNotAppendable); a wrong position gets
 * PositionNotEqualToLength with the right one in `x-oss-next-append-position`.
 */
async function appendObject(call: OssCall): Promise<void> {
  const { sandbox, r, target: t, res } = call
  const positionText = r.query.position
  if (positionText === undefined || positionText === null || !/^\d{1,15}$/.test(positionText)) {
    throw new OssFailure('InvalidArgument', 'position must be a non-negative integer.')
  }
  const meta = sandbox.store.head(t.bucket, t.key)
  call.authorize('AppendObject', { key: t.key, tagging: r.headers['x-oss-tagging'] !== undefined }, meta)
  if (aclOf(r.headers)) call.authorize('PutObjectAcl', { key: t.key }, meta)
  const saved = await sandbox.store.append(t.bucket, t.key, call.body(), Number(positionText), {
    ...putOptionsFrom(r.headers, call.now),
    ...(r.headers['content-md5'] ? { contentMd5: r.headers['content-md5'] } : {}),
    ...(sandbox.options.maxObjectBytes ? { maxBytes: sandbox.options.maxObjectBytes } : {}),
  })
  setObjectHeaders(res, saved, false)
  res.setHeader('x-oss-next-append-position', String(saved.size))
  sendEmpty(res, 200)
}

/** AppendObject. */
export const appendRoutes: readonly OssRoute[] = [
  { name: 'AppendObject', matches: (c) => c.target.key !== '' && c.r.method === 'POST' && c.has('append'), handle: appendObject },
]
