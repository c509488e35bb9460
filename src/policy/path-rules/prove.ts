import type { ProbeViolation } from '../../errors.js'
import { authorizeOperation } from '../operations.js'
import type { ProbeReport } from '../probe.js'
import type { Policy } from '../types.js'
import { rulesAllowListing, rulesAllowObject } from './decide.js'
import { CLAIM_VALUE, literalStart, rolesOf, type Grant, type ResolvedToken, type RuleCaller } from './grants.js'
import { VERBS, type PathRule, type Role, type RuleSet, type Verb } from './rule-set.js'

/** One line of the proof's table: a rule, a role of the caller, a verb, a sample and both answers. */
export interface ProofRow {
  readonly rule: string
  readonly role: Role
  readonly verb: Verb
  readonly bucket: string
  /** The sample key (or, for list, the prefix listed). */
  readonly sample: string
  readonly rules: boolean
  readonly policy: boolean
}

export interface RulesProof extends ProbeReport {
  readonly table: readonly ProofRow[]
}

export interface ProofTarget {
  readonly caller: RuleCaller
  readonly account: string
  readonly defaultBucket: string
  /** Every bucket the scope names. */
  readonly buckets: readonly string[]
}

const OBJECT_OPERATIONS: ReadonlyArray<readonly [string, Exclude<Verb, 'list'> | undefined]> = [
  ['GetObject', 'read'],
  ['PutObject', 'write'],
  ['ListParts', 'write'],
  ['AbortMultipartUpload', 'write'],
  ['DeleteObject', 'delete'],
  // Never granted by any verb.
  ['PutObjectAcl', undefined],
  ['GetObjectAcl', undefined],
  ['PutObjectTagging', undefined],
]

const LISTING_OPERATIONS: ReadonlyArray<readonly [string, 'list' | 'write' | undefined]> = [
  ['ListObjects', 'list'],
  ['ListMultipartUploads', 'write'],
  ['ListObjectVersions', undefined],
]

const BUCKET_OPERATIONS = ['GetBucketAcl', 'PutBucketAcl', 'GetBucketInfo', 'PutBucketPolicy', 'DeleteBucket']

/** Letters a human may take for ASCII ones (Cyrillic a, e, o, p, c, x; dotless i). */
const LOOK_ALIKES: Readonly<Record<string, string>> = { a: '\u0430', e: '\u0435', o: '\u043e', p: '\u0440', c: '\u0441', x: '\u0445', i: '\u0131' }

/**
 * Proves a compiled policy against the rules it came from: for sampled keys (the caller's own,
 * another user's, a sibling id, other claim values, `..` and `.` segments, look-alike letters, a
 * full-width slash, a leading slash, the bucket root, another bucket) and every operation the
 * verbs map to (and some none does), the policy engine's decision on the policy must equal the
 * rules' own answer (decide.ts). Any difference is a violation; the vendor refuses such a policy.
 */
export function proveCompiledPolicy(rules: RuleSet, grants: readonly Grant[], policy: Policy, target: ProofTarget): RulesProof {
  const { caller, account } = target
  const violations: ProbeViolation[] = []
  const layers = { session: [policy] }
  let probes = 0
  const engineAllows = (operation: string, params: Record<string, string>) => {
    probes++
    return authorizeOperation(layers, operation, { account, region: '*', ...params }).decision === 'Allow'
  }
  const compare = (operation: string, params: Record<string, string>, expected: boolean) => {
    const actual = engineAllows(operation, params)
    if (actual !== expected) {
      const what = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')
      violations.push({ code: expected ? 'rules.policy-denies' : 'rules.policy-allows', message: `${operation} ${what}: the rules ${expected ? 'allow' : 'deny'} it, the policy ${actual ? 'allows' : 'denies'} it` })
    }
    return actual
  }

  const samples = sampleKeys(rules, caller)
  const buckets = [...new Set([...target.buckets, target.defaultBucket])]
  const foreignBucket = `${target.defaultBucket}-x`
  for (const bucket of [...buckets, foreignBucket]) {
    const keys = bucket === foreignBucket ? samples.keys.slice(0, 24) : samples.keys
    for (const key of keys) {
      for (const [operation, verb] of OBJECT_OPERATIONS) {
        compare(operation, { bucket, key }, verb !== undefined && rulesAllowObject(grants, verb, bucket, key))
      }
    }
    for (const prefix of samples.prefixes) {
      for (const delimiter of [undefined, '/']) {
        for (const [operation, verb] of LISTING_OPERATIONS) {
          const params = { bucket, prefix, ...(delimiter ? { delimiter } : {}) }
          compare(operation, params, verb !== undefined && rulesAllowListing(grants, verb, bucket, prefix))
        }
      }
    }
    for (const operation of ['ListObjects', 'ListMultipartUploads']) {
      const expected = rulesAllowListing(grants, operation === 'ListObjects' ? 'list' : 'write', bucket, '')
      compare(operation, { bucket }, expected)
    }
    for (const operation of BUCKET_OPERATIONS) compare(operation, { bucket }, false)
  }
  compare('ListBuckets', {}, false)

  const table: ProofRow[] = []
  const allowedInside = new Set<string>()
  for (const rule of rules.rules) {
    for (const role of rolesOf(caller)) {
      if (role === 'owner' && !rule.tokens.some((t) => t.kind === 'user')) continue
      const resolved = resolveFor(rule, role, caller)
      if (!resolved) continue
      const bucket = rule.bucket ?? target.defaultBucket
      for (const verb of VERBS) {
        const sample = verb === 'list' ? literalStart(resolved) : fill(resolved, 'x.txt')
        if (verb === 'list' && resolved.at(-1)?.kind !== 'any') continue
        const expected = verb === 'list' ? rulesAllowListing(grants, 'list', bucket, sample) : rulesAllowObject(grants, verb, bucket, sample)
        const operation = { read: 'GetObject', write: 'PutObject', delete: 'DeleteObject', list: 'ListObjects' }[verb]
        const actual = compare(operation, verb === 'list' ? { bucket, prefix: sample } : { bucket, key: sample }, expected)
        if (actual) allowedInside.add(operation)
        table.push({ rule: rule.pointer, role, verb, bucket, sample, rules: expected, policy: actual })
      }
    }
  }
  return { violations: dedupe(violations), allowedInside: [...allowedInside], probes, table }
}

/** The rule's pattern for one role of the caller; undefined when a claim it needs is unusable. */
function resolveFor(rule: PathRule, role: Role, caller: RuleCaller): ResolvedToken[] | undefined {
  const out: ResolvedToken[] = []
  for (const t of rule.tokens) {
    if (t.kind === 'text' || t.kind === 'any') out.push(t)
    else if (t.kind === 'user') out.push(role === 'owner' ? { kind: 'text', text: caller.user } : { kind: 'text', text: otherUser(caller) })
    else {
      const value = caller.claims?.[t.name]
      if (typeof value !== 'string' || !CLAIM_VALUE.pattern.test(value)) return undefined
      out.push({ kind: 'text', text: value })
    }
  }
  return out
}

function otherUser(caller: RuleCaller): string {
  return caller.user === 'probe-other' ? 'probe-other2' : 'probe-other'
}

function fill(tokens: readonly ResolvedToken[], rest: string): string {
  return tokens.map((t) => (t.kind === 'any' ? rest : t.text)).join('')
}

/** Keys and listing prefixes inside and around every rule, for this caller and for others. */
function sampleKeys(rules: RuleSet, caller: RuleCaller): { keys: string[]; prefixes: string[] } {
  const users = [caller.user, otherUser(caller), `${caller.user}0`, caller.user.slice(0, -1)].filter((u) => u !== '')
  const keys = new Set<string>()
  const prefixes = new Set<string>(['', '/', '*'])
  for (const rule of rules.rules) {
    let variants: string[][] = [[]]
    for (const t of rule.tokens) {
      let choices: string[]
      if (t.kind === 'text') choices = [t.text]
      else if (t.kind === 'any') choices = ['\u0000']
      else if (t.kind === 'user') choices = users
      else {
        const own = caller.claims?.[t.name]
        choices = typeof own === 'string' && CLAIM_VALUE.pattern.test(own) ? [own, `${own}0`, 'probe-other-claim'] : ['probe-other-claim']
      }
      variants = variants.flatMap((v) => choices.map((c) => [...v, c]))
    }
    for (const parts of variants) {
      const pattern = parts.join('')
      const hole = pattern.indexOf('\u0000')
      const start = hole < 0 ? pattern : pattern.slice(0, hole)
      const insides = hole < 0 ? [''] : ['', 'x.txt', 'a/b.txt', '../x.txt', '..']
      for (const inside of insides) keys.add(hole < 0 ? pattern : start + inside)
      const key = hole < 0 ? pattern : `${start}x.txt`
      const slash = key.indexOf('/')
      keys.add(lookAlike(key))
      if (slash > 0) {
        keys.add(`${key.slice(0, slash)}\uff0f${key.slice(slash + 1)}`)
        keys.add(`${key.slice(0, slash)}/../${key}`)
        keys.add(`${key.slice(0, slash)}x${key.slice(slash)}`)
      }
      keys.add(`/${key}`)
      keys.add(`./${key}`)
      if (key.length > 1) keys.add(key.slice(0, -1))
      prefixes.add(start)
      prefixes.add(`${start}x/`)
      if (start.length > 0) prefixes.add(start.slice(0, -1))
      if (slash > 0) prefixes.add(key.slice(0, slash + 1))
      prefixes.add(lookAlike(start))
    }
  }
  keys.delete('')
  return { keys: [...keys], prefixes: [...prefixes] }
}

function lookAlike(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const swap = LOOK_ALIKES[text[i] as string]
    if (swap) return text.slice(0, i) + swap + text.slice(i + 1)
  }
  return `${text}\u200b`
}

function dedupe(violations: ProbeViolation[]): ProbeViolation[] {
  const seen = new Set<string>()
  return violations.filter((v) => (seen.has(v.message) ? false : (seen.add(v.message), true)))
}
