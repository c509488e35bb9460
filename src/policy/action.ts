import { compileWildcard, hasWildcard } from './wildcard.js'

/** Where an OSS action is authorised: the account (service), a bucket, or an object. */
export type ActionLevel = 'service' | 'bucket' | 'object'

const SERVICE_ACTIONS = ['ListBuckets'] as const

const BUCKET_ACTIONS = [
  'PutBucket', 'DeleteBucket', 'GetBucketInfo', 'GetBucketLocation', 'GetBucketStat',
  'ListObjects', 'ListObjectVersions', 'ListMultipartUploads',
  'GetBucketAcl', 'PutBucketAcl',
  'GetBucketReferer', 'PutBucketReferer',
  'GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy',
  'GetBucketCors', 'PutBucketCors', 'DeleteBucketCors',
  'GetBucketLifecycle', 'PutBucketLifecycle', 'DeleteBucketLifecycle',
  'GetBucketLogging', 'PutBucketLogging', 'DeleteBucketLogging',
  'GetBucketWebsite', 'PutBucketWebsite', 'DeleteBucketWebsite',
  'GetBucketVersioning', 'PutBucketVersioning',
  'GetBucketEncryption', 'PutBucketEncryption', 'DeleteBucketEncryption',
  'GetBucketTagging', 'PutBucketTagging', 'DeleteBucketTagging',
  'GetBucketReplication', 'PutBucketReplication', 'DeleteBucketReplication',
] as const

const OBJECT_ACTIONS = [
  'GetObject', 'GetObjectVersion', 'PutObject', 'DeleteObject', 'DeleteObjectVersion',
  'ListParts', 'AbortMultipartUpload',
  'GetObjectAcl', 'PutObjectAcl', 'GetObjectVersionAcl', 'PutObjectVersionAcl',
  'RestoreObject', 'RestoreObjectVersion',
  'GetObjectTagging', 'PutObjectTagging', 'DeleteObjectTagging',
  'GetObjectVersionTagging', 'PutObjectVersionTagging', 'DeleteObjectVersionTagging',
  'PostProcessTask', 'ProcessImm',
] as const

export type OssActionName =
  | (typeof SERVICE_ACTIONS)[number]
  | (typeof BUCKET_ACTIONS)[number]
  | (typeof OBJECT_ACTIONS)[number]

export interface KnownAction {
  /** Canonical spelling, e.g. `oss:GetObject`. */
  readonly name: string
  readonly level: ActionLevel
}

/** Every OSS action the engine knows, in canonical spelling. */
export const KNOWN_ACTIONS: readonly KnownAction[] = [
  ...SERVICE_ACTIONS.map((a) => ({ name: `oss:${a}`, level: 'service' as const })),
  ...BUCKET_ACTIONS.map((a) => ({ name: `oss:${a}`, level: 'bucket' as const })),
  ...OBJECT_ACTIONS.map((a) => ({ name: `oss:${a}`, level: 'object' as const })),
]

const BY_LOWER = new Map(KNOWN_ACTIONS.map((a) => [a.name.toLowerCase(), a]))

/** Looks an action up case-insensitively (RAM treats action names without regard to case). */
export function findKnownAction(name: string): KnownAction | undefined {
  return BY_LOWER.get(name.toLowerCase())
}

/** `service:Name`, where Name may hold `*` and `?`; or `*` alone. */
const ACTION_FORMAT = /^(?:\*|[A-Za-z][A-Za-z0-9-]*:[A-Za-z0-9*?]+)$/

export type ActionCheck =
  | { readonly ok: true; readonly pattern: string; readonly known: readonly KnownAction[]; readonly canonical?: string }
  | { readonly ok: false; readonly code: 'action.format' | 'action.unknown'; readonly message: string }

/**
 * Checks one `Action` entry. OSS actions must exist (or, as patterns, may match nothing, which
 * lint reports); other services' actions (`kms:Decrypt`) are accepted on format alone.
 */
export function checkAction(entry: string): ActionCheck {
  if (!ACTION_FORMAT.test(entry)) {
    return {
      ok: false,
      code: 'action.format',
      message: `"${entry}" is not an action: expected "oss:ActionName" with no spaces`,
    }
  }
  const lower = entry.toLowerCase()
  if (hasWildcard(entry)) {
    const matches = compileWildcard(lower)
    const known = KNOWN_ACTIONS.filter((a) => matches(a.name.toLowerCase()))
    return { ok: true, pattern: lower, known }
  }
  const known = findKnownAction(entry)
  if (known) return { ok: true, pattern: lower, known: [known], canonical: known.name }
  if (lower.startsWith('oss:')) {
    return { ok: false, code: 'action.unknown', message: `"${entry}" is not an OSS action` }
  }
  return { ok: true, pattern: lower, known: [] }
}
