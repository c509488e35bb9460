import type { Issue } from '../errors.js'
import { appendPointer } from '../lib/json-pointer.js'
import { findKnownAction, type ActionLevel } from './action.js'
import { splitResourceName } from './resource.js'
import type { Policy, Statement } from './types.js'
import { hasWildcard } from './wildcard.js'

/** Lint warnings: the policy is valid, but probably not what its author meant. */
export const LINT_CODES = {
  'lint.list-without-prefix': 'ListObjects on a bucket without an oss:Prefix condition lets the holder list every key',
  'lint.broad-action': 'allows every OSS action',
  'lint.broad-resource': 'allows on every resource of the account',
  'lint.allow-not-action': 'Allow with NotAction grants every action not listed, including future ones',
  'lint.allow-not-resource': 'Allow with NotResource grants every resource not listed',
  'lint.duplicate-sid': 'two statements share a Sid',
  'lint.never-matches': 'no action of the statement applies to any of its resources',
  'lint.resource-matches-nothing': 'the resource can match neither a bucket nor an object',
  'lint.action-matches-nothing': 'the action pattern matches no OSS action',
  'lint.action-case': 'the action is not written in its canonical case',
} as const
export type LintCode = keyof typeof LINT_CODES

export function lintPolicy(policy: Policy): Issue[] {
  const warnings: Issue[] = []
  const sids = new Map<string, string>()
  for (const statement of policy.statements) {
    const at = (element: string) => appendPointer(statement.pointer, element)
    const warn = (code: LintCode, pointer: string, detail?: string) =>
      warnings.push({ pointer, code, message: detail ? `${LINT_CODES[code]}: ${detail}` : LINT_CODES[code] })

    if (statement.sid !== undefined) {
      const first = sids.get(statement.sid)
      if (first) warn('lint.duplicate-sid', at('Sid'), `"${statement.sid}" is also used at ${first}`)
      else sids.set(statement.sid, statement.pointer)
    }

    for (const action of statement.actions) {
      const known = findKnownAction(action.text)
      if (known && known.name !== action.text) warn('lint.action-case', action.pointer, `"${action.text}" is "${known.name}"`)
      if (hasWildcard(action.text) && action.text.toLowerCase().startsWith('oss:') && action.known.length === 0) {
        warn('lint.action-matches-nothing', action.pointer, `"${action.text}"`)
      }
    }

    const levels = statement.resources.map((r) => resourceLevels(r.text))
    statement.resources.forEach((resource, i) => {
      if ((levels[i] as Set<ActionLevel>).size === 0) warn('lint.resource-matches-nothing', resource.pointer, `"${resource.text}"`)
    })

    if (statement.effect !== 'Allow') continue
    if (statement.actionElement === 'NotAction') warn('lint.allow-not-action', at('NotAction'))
    if (statement.resourceElement === 'NotResource') warn('lint.allow-not-resource', at('NotResource'))
    if (statement.actionElement === 'NotAction' || statement.resourceElement === 'NotResource') continue

    for (const action of statement.actions) {
      if (action.text === '*' || action.text.toLowerCase() === 'oss:*') warn('lint.broad-action', action.pointer, `"${action.text}"`)
    }
    for (const resource of statement.resources) {
      const name = splitResourceName(resource.text)
      if (resource.text === '*' || name?.relative === '*') warn('lint.broad-resource', resource.pointer, `"${resource.text}"`)
    }

    const actionLevels = new Set(statement.actions.flatMap((a) => a.known.map((k) => k.level)))
    const resourceLevelsAll = new Set(levels.flatMap((l) => [...l]))
    const ossActionsOnly = statement.actions.every((a) => a.text.toLowerCase().startsWith('oss:'))
    if (ossActionsOnly && actionLevels.size > 0 && ![...actionLevels].some((l) => resourceLevelsAll.has(l))) {
      warn('lint.never-matches', statement.pointer)
    }

    if (grantsListing(statement) && !hasPrefixCondition(statement)) {
      const bucketResource = statement.resources.find((_, i) => levels[i]?.has('bucket'))
      warn('lint.list-without-prefix', bucketResource?.pointer ?? statement.pointer)
    }
  }
  return warnings
}

/** Which kinds of resource a pattern can match: the service (ListBuckets), a bucket, an object. */
function resourceLevels(pattern: string): Set<ActionLevel> {
  if (pattern === '*') return new Set(['service', 'bucket', 'object'])
  const name = splitResourceName(pattern)
  if (!name) return new Set()
  const levels = new Set<ActionLevel>()
  const relative = name.relative
  if (relative.includes('*')) {
    levels.add('service')
    // A star before any "/" can stand for a whole bucket name or "bucket/key".
    const slash = relative.indexOf('/')
    if (slash < 0 || relative.indexOf('*') < slash) levels.add('bucket')
    levels.add('object')
    return levels
  }
  const slash = relative.indexOf('/')
  if (slash < 0) levels.add('bucket')
  else if (slash < relative.length - 1) levels.add('object')
  return levels
}

function grantsListing(statement: Statement): boolean {
  return statement.actions.some((a) => a.known.some((k) => k.name === 'oss:ListObjects')) &&
    statement.resources.some((r) => resourceLevels(r.text).has('bucket'))
}

function hasPrefixCondition(statement: Statement): boolean {
  return statement.conditions.some((c) => c.keyLower === 'oss:prefix' && !c.operator.negated)
}
