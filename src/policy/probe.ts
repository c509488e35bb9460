import type { ProbeViolation } from '../errors.js'
import { KNOWN_ACTIONS } from './action.js'
import { authorizeOperation } from './operations.js'
import { splitResourceName } from './resource.js'
import type { Policy, Statement } from './types.js'
import { hasWildcard } from './wildcard.js'

export interface ProbeTarget {
  readonly user: string
  readonly bucket: string
  readonly account: string
  /** The only key prefix the policy may reach, e.g. `alice/`. */
  readonly prefix: string
}

export interface ProbeReport {
  readonly violations: readonly ProbeViolation[]
  /** The in-prefix operations the policy allows (information, not a requirement). */
  readonly allowedInside: readonly string[]
  /** How many decisions were sampled. */
  readonly probes: number
}

const LISTING_ACTIONS = new Set(['oss:listobjects', 'oss:listobjectversions', 'oss:listmultipartuploads'])

const OBJECT_OPERATIONS = [
  'GetObject', 'PutObject', 'DeleteObject', 'ListParts', 'AbortMultipartUpload',
  'GetObjectAcl', 'PutObjectAcl', 'RestoreObject', 'GetObjectTagging', 'PutObjectTagging', 'DeleteObjectTagging',
]

const BUCKET_OPERATIONS = [
  'GetBucketAcl', 'PutBucketAcl', 'GetBucketInfo', 'PutBucketReferer', 'PutBucketPolicy', 'PutBucketCors', 'DeleteBucket',
]

/**
 * Checks that a rendered session policy grants nothing outside the user's prefix. Two
 * independent checks must both pass:
 * - structure: every Allow resource is the bucket itself (listing only, confined by an
 *   `oss:Prefix` condition inside the prefix) or a pattern whose literal start is
 *   `BUCKET/PREFIX`; no Allow uses NotAction or NotResource;
 * - decisions: sampled requests outside the prefix (another user, a sibling such as `user10/`
 *   for `user1`, the bucket root, unconfined listings, bucket administration, other buckets,
 *   ListBuckets) must all be denied.
 */
export function probeSessionPolicy(policy: Policy, target: ProbeTarget): ProbeReport {
  const violations: ProbeViolation[] = []
  for (const statement of policy.statements) {
    if (statement.effect === 'Allow') checkStructure(statement, target, violations)
  }

  const layers = { session: [policy] }
  const params = { account: target.account, region: '*' }
  let probes = 0
  const expectDenied = (code: string, operation: string, extra: Record<string, string>, what: string) => {
    probes++
    const result = authorizeOperation(layers, operation, { ...params, bucket: target.bucket, ...extra })
    if (result.decision === 'Allow') violations.push({ code, message: `${operation} ${what} is allowed` })
  }

  const other = target.user === 'probe-other' ? 'probe-other2' : 'probe-other'
  const outsideKeys = [
    'test.txt',
    `${other}/test.txt`,
    `${target.user}0/test.txt`,
    `${target.user}`,
    `${target.user}.txt`,
    `/${target.prefix}test.txt`,
    `${target.prefix.slice(0, -1)}-x/test.txt`,
  ]
  for (const key of outsideKeys) {
    for (const operation of OBJECT_OPERATIONS) expectDenied('probe.key-outside-prefix', operation, { key }, `on "${key}"`)
  }
  for (const operation of OBJECT_OPERATIONS) {
    expectDenied('probe.other-bucket', operation, { bucket: `${target.bucket}-x`, key: `${target.prefix}test.txt` }, `in another bucket`)
  }
  probes++
  if (authorizeOperation(layers, 'ListBuckets', params).decision === 'Allow') {
    violations.push({ code: 'probe.list-buckets', message: 'ListBuckets is allowed' })
  }
  const outsidePrefixes = ['', '/', '*', target.user, `${target.user}0/`, `${other}/`, target.prefix.slice(0, -1)]
  for (const prefix of outsidePrefixes) {
    expectDenied('probe.list-outside-prefix', 'ListObjects', { prefix }, `with prefix "${prefix}"`)
  }
  expectDenied('probe.list-outside-prefix', 'ListObjects', {}, 'without a prefix')
  for (const operation of BUCKET_OPERATIONS) expectDenied('probe.bucket-operation', operation, {}, 'on the bucket')

  const allowedInside = OBJECT_OPERATIONS.filter(
    (operation) =>
      authorizeOperation(layers, operation, { ...params, bucket: target.bucket, key: `${target.prefix}probe.txt` }).decision === 'Allow',
  )
  if (authorizeOperation(layers, 'ListObjects', { ...params, bucket: target.bucket, prefix: target.prefix }).decision === 'Allow') {
    allowedInside.push('ListObjects')
  }
  return { violations: dedupe(violations), allowedInside, probes }
}

function checkStructure(statement: Statement, target: ProbeTarget, violations: ProbeViolation[]): void {
  const where = `statement ${statement.pointer}`
  if (statement.actionElement === 'NotAction' || statement.resourceElement === 'NotResource') {
    violations.push({ code: 'probe.negated-element', message: `${where} allows with ${statement.actionElement === 'NotAction' ? 'NotAction' : 'NotResource'}` })
    return
  }
  const bucketPrefix = `${target.bucket}/${target.prefix}`
  for (const resource of statement.resources) {
    const name = splitResourceName(resource.text)
    const accountOk = name !== undefined && (name.account === target.account || name.account === '*')
    if (!name || !accountOk || name.service !== 'oss') {
      violations.push({ code: 'probe.resource-outside-prefix', message: `${where}: "${resource.text}" is not confined to ${bucketPrefix}` })
      continue
    }
    if (name.relative === target.bucket) {
      checkBucketGrant(statement, target, where, violations)
      continue
    }
    const literalStart = literalPrefix(name.relative)
    if (!literalStart.startsWith(bucketPrefix)) {
      violations.push({ code: 'probe.resource-outside-prefix', message: `${where}: "${resource.text}" is not confined to ${bucketPrefix}` })
    }
  }
}

/** A grant on the bucket itself is safe only for listing, and only inside the prefix. */
function checkBucketGrant(statement: Statement, target: ProbeTarget, where: string, violations: ProbeViolation[]): void {
  const bucketActions = KNOWN_ACTIONS.filter(
    (a) => a.level === 'bucket' && statement.actions.some((p) => p.matches(a.name.toLowerCase())),
  )
  const beyondListing = bucketActions.filter((a) => !LISTING_ACTIONS.has(a.name.toLowerCase()))
  if (beyondListing.length > 0) {
    violations.push({
      code: 'probe.bucket-operation',
      message: `${where} grants ${beyondListing.map((a) => a.name).join(', ')} on the bucket`,
    })
  }
  if (bucketActions.length === 0) return
  const confining = statement.conditions.filter(
    (c) => c.keyLower === 'oss:prefix' && !c.operator.negated && c.operator.family === 'string',
  )
  const confined =
    confining.length > 0 &&
    // Conditions are ANDed, so one condition that keeps every value inside the prefix suffices.
    confining.some(
      (c) =>
        c.operator.name !== 'StringEqualsIgnoreCase' &&
        c.values.every((v) => literalPrefix(v).startsWith(target.prefix)),
    )
  if (!confined) {
    violations.push({
      code: 'probe.list-unconfined',
      message: `${where} lets the user list the bucket without an oss:Prefix condition inside "${target.prefix}"`,
    })
  }
}

/** The part of a pattern before its first wildcard. */
function literalPrefix(pattern: string): string {
  if (!hasWildcard(pattern)) return pattern
  const star = pattern.indexOf('*')
  const one = pattern.indexOf('?')
  const cut = star < 0 ? one : one < 0 ? star : Math.min(star, one)
  return pattern.slice(0, cut)
}

function dedupe(violations: ProbeViolation[]): ProbeViolation[] {
  const seen = new Set<string>()
  return violations.filter((v) => (seen.has(v.message) ? false : (seen.add(v.message), true)))
}
