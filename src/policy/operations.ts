import { OperationInvalidError } from '../errors.js'
import { authorize, type PolicyLayers } from './authorize.js'
import { bucketArn, objectArn, serviceArn } from './resource.js'
import type { Decision, DecisionValue } from './trace.js'
import type { RequestContext } from './types.js'

/** The parameters of an OSS API call that decide which checks it needs. */
export interface OperationParams {
  readonly bucket?: string
  readonly key?: string
  /** DeleteMultipleObjects: one check per key. */
  readonly keys?: readonly string[]
  /** CopyObject / UploadPartCopy source. */
  readonly sourceBucket?: string
  readonly sourceKey?: string
  readonly sourceVersionId?: string
  readonly versionId?: string
  /** ListObjects family: becomes `oss:Prefix` (absent is read as ""), `oss:Delimiter`. */
  readonly prefix?: string
  readonly delimiter?: string
  /** `x-oss-tagging` sent with a write: PutObjectTagging is checked too. */
  readonly tagging?: boolean
  readonly account?: string
  readonly region?: string
  readonly context?: RequestContext
}

/** One (action, resource) check an operation needs, and what it stands for. */
export interface OperationCheck {
  readonly action: string
  readonly resource: string
  readonly context: RequestContext
  /** `object`, `source`, `target`, `tagging`, `bucket`, `service`, or `key:<name>` for batch deletes. */
  readonly role: string
}

type Level = 'service' | 'bucket' | 'object'

interface OperationSpec {
  readonly level: Level
  /** The action checked; a function where a parameter (versionId) changes it. */
  readonly action: string | ((p: OperationParams) => string)
  readonly listing?: boolean
  readonly write?: boolean
  readonly copy?: boolean
  readonly batch?: boolean
}

const versioned = (plain: string, withVersion: string) => (p: OperationParams) =>
  p.versionId !== undefined ? withVersion : plain

const PUT: OperationSpec = { level: 'object', action: 'oss:PutObject', write: true }
const GET: OperationSpec = { level: 'object', action: versioned('oss:GetObject', 'oss:GetObjectVersion') }

/**
 * Which action and resource each OSS API is authorised against (policy-semantics 2.2).
 * Multipart and PostObject uploads are checked as PutObject; HeadObject and GetObjectMeta as
 * GetObject; CopyObject reads the source and writes the target.
 */
const CATALOGUE: Readonly<Record<string, OperationSpec>> = {
  ListBuckets: { level: 'service', action: 'oss:ListBuckets' },
  ListObjects: { level: 'bucket', action: 'oss:ListObjects', listing: true },
  ListObjectsV2: { level: 'bucket', action: 'oss:ListObjects', listing: true },
  ListObjectVersions: { level: 'bucket', action: 'oss:ListObjectVersions', listing: true },
  ListMultipartUploads: { level: 'bucket', action: 'oss:ListMultipartUploads', listing: true },
  GetBucketAcl: { level: 'bucket', action: 'oss:GetBucketAcl' },
  PutBucketAcl: { level: 'bucket', action: 'oss:PutBucketAcl' },
  GetBucketInfo: { level: 'bucket', action: 'oss:GetBucketInfo' },
  GetBucketLocation: { level: 'bucket', action: 'oss:GetBucketLocation' },
  GetBucketReferer: { level: 'bucket', action: 'oss:GetBucketReferer' },
  PutBucketReferer: { level: 'bucket', action: 'oss:PutBucketReferer' },
  GetBucketPolicy: { level: 'bucket', action: 'oss:GetBucketPolicy' },
  PutBucketPolicy: { level: 'bucket', action: 'oss:PutBucketPolicy' },
  GetBucketCors: { level: 'bucket', action: 'oss:GetBucketCors' },
  PutBucketCors: { level: 'bucket', action: 'oss:PutBucketCors' },
  PutBucket: { level: 'bucket', action: 'oss:PutBucket' },
  DeleteBucket: { level: 'bucket', action: 'oss:DeleteBucket' },
  PutObject: PUT,
  PostObject: PUT,
  AppendObject: PUT,
  PutSymlink: PUT,
  InitiateMultipartUpload: PUT,
  UploadPart: PUT,
  CompleteMultipartUpload: PUT,
  GetObject: GET,
  HeadObject: GET,
  GetObjectMeta: GET,
  SelectObject: GET,
  GetSymlink: GET,
  DeleteObject: { level: 'object', action: versioned('oss:DeleteObject', 'oss:DeleteObjectVersion') },
  DeleteMultipleObjects: { level: 'object', action: 'oss:DeleteObject', batch: true },
  CopyObject: { ...PUT, copy: true },
  UploadPartCopy: { ...PUT, copy: true },
  ListParts: { level: 'object', action: 'oss:ListParts' },
  AbortMultipartUpload: { level: 'object', action: 'oss:AbortMultipartUpload' },
  GetObjectAcl: { level: 'object', action: versioned('oss:GetObjectAcl', 'oss:GetObjectVersionAcl') },
  PutObjectAcl: { level: 'object', action: versioned('oss:PutObjectAcl', 'oss:PutObjectVersionAcl') },
  RestoreObject: { level: 'object', action: versioned('oss:RestoreObject', 'oss:RestoreObjectVersion') },
  GetObjectTagging: { level: 'object', action: versioned('oss:GetObjectTagging', 'oss:GetObjectVersionTagging') },
  PutObjectTagging: { level: 'object', action: versioned('oss:PutObjectTagging', 'oss:PutObjectVersionTagging') },
  DeleteObjectTagging: { level: 'object', action: versioned('oss:DeleteObjectTagging', 'oss:DeleteObjectVersionTagging') },
}

export const OPERATION_NAMES: readonly string[] = Object.keys(CATALOGUE)

const BY_LOWER = new Map(Object.entries(CATALOGUE).map(([name, spec]) => [name.toLowerCase(), { name, spec }]))

/**
 * Expands an OSS operation into the checks it needs.
 * @throws {OperationInvalidError} ERR_OPERATION_INVALID for an unknown operation or a missing parameter.
 */
export function operationChecks(operation: string, params: OperationParams): OperationCheck[] {
  const entry = BY_LOWER.get(operation.toLowerCase())
  if (!entry) {
    throw new OperationInvalidError(`unknown OSS operation "${operation}"; known: ${OPERATION_NAMES.join(', ')}`)
  }
  const { name, spec } = entry
  const account = params.account ?? '*'
  const region = params.region ?? '*'
  const context: Record<string, string | readonly string[] | undefined> = { ...params.context }
  const action = typeof spec.action === 'string' ? spec.action : spec.action(params)

  if (spec.level === 'service') {
    return [{ action, resource: serviceArn(account, region), context, role: 'service' }]
  }
  const bucket = required(name, 'bucket', params.bucket)
  if (spec.level === 'bucket') {
    if (spec.listing) {
      context['oss:Prefix'] ??= params.prefix ?? ''
      if (params.delimiter !== undefined) context['oss:Delimiter'] ??= params.delimiter
    }
    return [{ action, resource: bucketArn(bucket, account, region), context, role: 'bucket' }]
  }
  if (spec.batch) {
    const keys = params.keys ?? (params.key !== undefined ? [params.key] : [])
    if (keys.length === 0) throw new OperationInvalidError(`${name} needs at least one key`)
    return keys.map((key) => ({ action, resource: objectArn(bucket, key, account, region), context, role: `key:${key}` }))
  }
  const key = required(name, 'key', params.key)
  const checks: OperationCheck[] = []
  if (spec.copy) {
    const sourceKey = required(name, 'sourceKey', params.sourceKey)
    const sourceAction = params.sourceVersionId !== undefined ? 'oss:GetObjectVersion' : 'oss:GetObject'
    checks.push({
      action: sourceAction,
      resource: objectArn(params.sourceBucket ?? bucket, sourceKey, account, region),
      context,
      role: 'source',
    })
  }
  checks.push({ action, resource: objectArn(bucket, key, account, region), context, role: spec.copy ? 'target' : 'object' })
  if (spec.write && params.tagging) {
    checks.push({ action: 'oss:PutObjectTagging', resource: objectArn(bucket, key, account, region), context, role: 'tagging' })
  }
  return checks
}

export interface OperationDecision {
  readonly operation: string
  /** ExplicitDeny if any check is explicitly denied, else ImplicitDeny if any is not allowed. */
  readonly decision: DecisionValue
  readonly checks: readonly { readonly check: OperationCheck; readonly result: Decision }[]
}

/** Authorises an OSS operation: every check it needs must be allowed. */
export function authorizeOperation(
  layers: PolicyLayers,
  operation: string,
  params: OperationParams,
): OperationDecision {
  const checks = operationChecks(operation, params).map((check) => ({
    check,
    result: authorize(layers, check, { dataOperation: check.role !== 'bucket' && check.role !== 'service' }),
  }))
  const decisions = checks.map((c) => c.result.decision)
  const decision: DecisionValue = decisions.includes('ExplicitDeny')
    ? 'ExplicitDeny'
    : decisions.includes('ImplicitDeny')
      ? 'ImplicitDeny'
      : 'Allow'
  return { operation: BY_LOWER.get(operation.toLowerCase())?.name ?? operation, decision, checks }
}

function required(operation: string, name: string, value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new OperationInvalidError(`${operation} needs "${name}"`)
  }
  return value
}
