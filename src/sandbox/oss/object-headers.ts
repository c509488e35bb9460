import type { ServerResponse } from 'node:http'
import type { ObjectAcl, ObjectMeta, PutOptions } from '../object-store.js'
import { OssFailure } from './failure.js'

/** ETag, CRC-64 and encryption on every write's answer; with `full`, what GET and HEAD send too. */
export function setObjectHeaders(res: ServerResponse, meta: ObjectMeta, full: boolean): void {
  res.setHeader('ETag', meta.etag)
  res.setHeader('x-oss-hash-crc64ecma', meta.crc64)
  if (meta.serverSideEncryption) res.setHeader('x-oss-server-side-encryption', meta.serverSideEncryption)
  if (meta.serverSideEncryptionKeyId) res.setHeader('x-oss-server-side-encryption-key-id', meta.serverSideEncryptionKeyId)
  if (!full) return
  res.setHeader('Content-Type', meta.contentType)
  res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString())
  res.setHeader('x-oss-object-type', meta.appendable ? 'Appendable' : 'Normal')
  if (meta.appendable) res.setHeader('x-oss-next-append-position', String(meta.size))
  res.setHeader('Accept-Ranges', 'bytes')
  for (const [k, v] of Object.entries(meta.userMeta)) res.setHeader(k, v)
}

const OBJECT_ACLS: readonly string[] = ['default', 'private', 'public-read', 'public-read-write']

/**
 * The `x-oss-object-acl` a write (or form) asks for, if any; an unknown value is InvalidArgument.
 * A write that sets an ACL needs `oss:PutObjectAcl` too, as RAM documents.
 */
export function aclOf(headers: Readonly<Record<string, string>>): ObjectAcl | undefined {
  const acl = headers['x-oss-object-acl']
  if (acl === undefined) return undefined
  if (!OBJECT_ACLS.includes(acl)) throw new OssFailure('InvalidArgument', 'no such object access control exists')
  return acl as ObjectAcl
}

/** The stored attributes a write takes from its headers (or a form's fields, lower-cased). */
export function putOptionsFrom(headers: Readonly<Record<string, string>>, now: Date): PutOptions {
  const acl = aclOf(headers)
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
