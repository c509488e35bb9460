import type { PolicyDocument, StatementDocument } from '../types.js'
import { endsWithAny, literalStart, patternText, type Grant } from './grants.js'
import type { Verb } from './rule-set.js'

/**
 * The OSS actions each verb needs on the objects it covers (policy-semantics 2.2): PutObject
 * also authorises PostObject, AppendObject and InitiateMultipartUpload, UploadPart and
 * CompleteMultipartUpload; a multipart writer also needs ListParts and AbortMultipartUpload.
 * HeadObject and GetObjectMeta are GetObject.
 */
export const OBJECT_ACTIONS: Readonly<Record<Exclude<Verb, 'list'>, readonly string[]>> = {
  read: ['oss:GetObject'],
  write: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
  delete: ['oss:DeleteObject'],
}

/** Bucket-level listing each verb needs, always confined by `oss:Prefix` (see decide.ts). */
export const LISTING_ACTIONS: Readonly<Partial<Record<Verb, string>>> = {
  list: 'oss:ListObjects',
  write: 'oss:ListMultipartUploads',
}

/**
 * Compiles a caller's grants into the RAM session policy: object actions on each grant's key
 * pattern, listing on the bucket with a `StringLike oss:Prefix` condition `L*` (L: the grant's
 * literal start). Resources with the same actions share a statement, so the text stays small.
 * Everything is literal: the values in it passed the user id character set.
 */
export function compileGrants(grants: readonly Grant[], account: string): PolicyDocument {
  const objectActions = new Map<string, Set<string>>()
  const listing = new Map<string, { bucket: string; prefix: string; actions: Set<string> }>()
  for (const grant of grants) {
    const resource = `acs:oss:*:${account}:${grant.bucket}/${patternText(grant.tokens)}`
    for (const verb of grant.verbs) {
      if (verb !== 'list') {
        const actions = objectActions.get(resource) ?? new Set<string>()
        for (const action of OBJECT_ACTIONS[verb]) actions.add(action)
        objectActions.set(resource, actions)
      }
      const listAction = LISTING_ACTIONS[verb]
      if (listAction && endsWithAny(grant.tokens)) {
        const prefix = `${literalStart(grant.tokens)}*`
        const key = `${grant.bucket}/${prefix}`
        const entry = listing.get(key) ?? { bucket: grant.bucket, prefix, actions: new Set<string>() }
        entry.actions.add(listAction)
        listing.set(key, entry)
      }
    }
  }

  const statements: StatementDocument[] = []
  const byActions = new Map<string, { actions: string[]; resources: string[] }>()
  for (const [resource, actions] of objectActions) {
    const list = [...actions].sort()
    const key = list.join(',')
    const group = byActions.get(key) ?? { actions: list, resources: [] }
    group.resources.push(resource)
    byActions.set(key, group)
  }
  for (const group of byActions.values()) statements.push({ Effect: 'Allow', Action: group.actions, Resource: group.resources })

  const listGroups = new Map<string, { bucket: string; actions: string[]; prefixes: string[] }>()
  for (const entry of listing.values()) {
    const actions = [...entry.actions].sort()
    const key = `${entry.bucket}\u0000${actions.join(',')}`
    const group = listGroups.get(key) ?? { bucket: entry.bucket, actions, prefixes: [] }
    group.prefixes.push(entry.prefix)
    listGroups.set(key, group)
  }
  for (const group of listGroups.values()) {
    statements.push({
      Effect: 'Allow',
      Action: group.actions,
      Resource: [`acs:oss:*:${account}:${group.bucket}`],
      Condition: { StringLike: { 'oss:Prefix': group.prefixes } },
    })
  }
  return { Version: '1', Statement: statements }
}
