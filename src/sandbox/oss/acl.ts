import type { ObjectAcl } from '../object-store.js'
import { xmlDocument, xmlElements } from '../oss-xml.js'
import type { OssCall, OssRoute } from './context.js'
import { noSuchKey, OssFailure } from './failure.js'
import { sendEmpty, sendXml } from './http-io.js'

const OBJECT_ACLS: readonly string[] = ['default', 'private', 'public-read', 'public-read-write']

function getObjectAcl(call: OssCall): void {
  const { sandbox, target: t } = call
  const meta = sandbox.store.head(t.bucket, t.key)
  call.authorize('GetObjectAcl', { key: t.key }, meta)
  if (!meta) throw noSuchKey()
  const owner = xmlElements([['ID', sandbox.options.account], ['DisplayName', sandbox.options.account]])
  sendXml(call.res, 200, xmlDocument('AccessControlPolicy', `<Owner>${owner}</Owner><AccessControlList>${xmlElements([['Grant', meta.acl]])}</AccessControlList>`))
}

async function putObjectAcl(call: OssCall): Promise<void> {
  const { sandbox, target: t } = call
  const meta = sandbox.store.head(t.bucket, t.key)
  call.authorize('PutObjectAcl', { key: t.key }, meta)
  if (!meta) throw noSuchKey()
  const acl = call.r.headers['x-oss-object-acl']
  if (!acl || !OBJECT_ACLS.includes(acl)) throw new OssFailure('InvalidArgument', 'no such object access control exists')
  await sandbox.store.setAcl(t.bucket, t.key, acl as ObjectAcl)
  sendEmpty(call.res, 200)
}

const aclOfObject = (c: OssCall) => c.target.key !== '' && c.has('acl')

/** GetObjectAcl, PutObjectAcl. */
export const aclRoutes: readonly OssRoute[] = [
  { name: 'GetObjectAcl', matches: (c) => aclOfObject(c) && c.r.method === 'GET', handle: getObjectAcl },
  { name: 'PutObjectAcl', matches: (c) => aclOfObject(c) && c.r.method === 'PUT', handle: putObjectAcl },
]
