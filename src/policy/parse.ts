import type { ValidateFunction } from 'ajv'
import { PolicyInvalidError, type Issue } from '../errors.js'
import { createAjv, toIssues } from '../lib/ajv.js'
import { appendPointer } from '../lib/json-pointer.js'
import { checkJsonValue, parseJsonText } from '../lib/parse-json.js'
import { checkAction } from './action.js'
import { familyAccepts, lookupConditionKey } from './condition/keys.js'
import { lookupOperator } from './condition/registry.js'
import { compileResource } from './resource.js'
import { POLICY_SCHEMA } from './schema.js'
import type {
  ActionPattern,
  Condition,
  ConditionValueDocument,
  LocatedResourcePattern,
  Policy,
  PolicyDocument,
  PolicyKind,
  Statement,
  StatementDocument,
} from './types.js'
import { compileWildcard, searchPasses, wildcardProblem } from './wildcard.js'

export interface ParsePolicyOptions {
  /** Label used in errors and traces, typically the file name. */
  readonly name?: string
  readonly kind?: PolicyKind
}

export type PolicyCheck =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly issues: readonly Issue[] }

let validateShape: ValidateFunction | undefined

/**
 * The largest policy accepted of each kind, in characters (of the text as given, or of the compact
 * JSON of a value): what Alibaba Cloud accepts. An OSS bucket policy may hold 16 KB
 * (help.aliyun.com/zh/oss/user-guide/0030-00000001); a RAM policy document 1 to 6,144 characters
 * (CreatePolicy's PolicyDocument), and RAM and session policies share the identity kind (a session
 * policy is further held to STS's 2,048 by render.ts and the sandbox STS).
 */
export const MAX_POLICY_CHARS: Readonly<Record<PolicyKind, number>> = { identity: 6_144, bucket: 16_384 }

/** The largest policy text of any kind (templates are read up to this size). */
export const MAX_POLICY_TEXT_CHARS = 16_384

/**
 * A match costs at most one pass over the request value per pattern that needs a search (text
 * between two `*`s, see `searchPasses`). These caps bound the passes one policy can ask for: a
 * condition value may be a whole header (up to 16 KB), a resource only a bucket and key (about
 * 1 KB). RAM documents no such limit; they are ossvend's, so that one decision through a
 * session, an identity and a bucket policy at their size limits stays within a few milliseconds.
 */
export const MAX_CONDITION_SEARCHES = 16
export const MAX_RESOURCE_SEARCHES = 128

/** A policy nests 7 levels at most (`/Statement/0/Condition/Op/Key/0`); one spare. */
export const MAX_POLICY_DEPTH = 8

/**
 * Checks a policy document in two passes, shape (ajv) and meaning (actions, resources,
 * operators, keys, values), and collects every issue before answering.
 */
export function checkPolicy(raw: unknown, options: ParsePolicyOptions = {}): PolicyCheck {
  // Only plain JSON data is read: an inherited member (from a prototype key or a class) would be
  // seen here but dropped by JSON.stringify, so the text sent to STS would differ from the check.
  const unsafe = checkJsonValue(raw, MAX_POLICY_DEPTH)
  if (unsafe) return { ok: false, issues: [unsafe] }
  const kind = options.kind ?? 'identity'
  const size = JSON.stringify(raw).length
  if (size > MAX_POLICY_CHARS[kind]) return { ok: false, issues: [tooLarge(kind, size, 'as compact JSON')] }
  validateShape ??= createAjv().compile(POLICY_SCHEMA)
  const shapeOk = validateShape(raw)
  const issues: Issue[] = shapeOk ? [] : toIssues(validateShape.errors)
  // The semantic pass runs even when the shape is wrong, on whatever parts are well formed,
  // so that one run reports every issue.
  const rawStatements = isRecord(raw) && Array.isArray(raw.Statement) ? (raw.Statement as unknown[]) : []
  const budget: SearchBudget = { condition: 0, resource: 0 }
  const statements = rawStatements.map((s, i) =>
    isRecord(s) ? compileStatement(s as unknown as StatementDocument, i, kind, issues, budget) : undefined,
  )
  if (issues.length > 0) return { ok: false, issues }
  const document = raw as PolicyDocument
  return {
    ok: true,
    policy: {
      name: options.name ?? 'policy',
      kind,
      statements: statements as Statement[],
      document: normaliseDocument(document),
    },
  }
}

/**
 * Parses a policy document (already decoded from JSON).
 * @throws {PolicyInvalidError} ERR_POLICY_INVALID with every issue and its JSON Pointer.
 */
export function parsePolicy(raw: unknown, options: ParsePolicyOptions = {}): Policy {
  const result = checkPolicy(raw, options)
  if (!result.ok) throw new PolicyInvalidError(options.name ?? 'policy', result.issues)
  return result.policy
}

/** Like `checkPolicy`, from JSON text; a syntax error is one issue naming line and column. */
export function checkPolicyText(text: string, options: ParsePolicyOptions = {}): PolicyCheck {
  const kind = options.kind ?? 'identity'
  if (text.length > MAX_POLICY_CHARS[kind]) return { ok: false, issues: [tooLarge(kind, text.length, '')] }
  const json = parseJsonText(text, { maxChars: MAX_POLICY_CHARS[kind], maxDepth: MAX_POLICY_DEPTH })
  if (!json.ok) return { ok: false, issues: [json.issue] }
  return checkPolicy(json.value, options)
}

/** @throws {PolicyInvalidError} ERR_POLICY_INVALID */
export function parsePolicyText(text: string, options: ParsePolicyOptions = {}): Policy {
  const result = checkPolicyText(text, options)
  if (!result.ok) throw new PolicyInvalidError(options.name ?? 'policy', result.issues)
  return result.policy
}

function tooLarge(kind: PolicyKind, size: number, how: string): Issue {
  const what = kind === 'bucket' ? 'a bucket policy' : 'a RAM or session policy'
  return {
    pointer: '',
    code: 'json.too-large',
    message: `the policy is ${size} characters${how ? ` ${how}` : ''}; ${what} holds at most ${MAX_POLICY_CHARS[kind]}`,
  }
}

/** Passes over request values the policy's patterns need so far (see MAX_CONDITION_SEARCHES). */
interface SearchBudget {
  condition: number
  resource: number
}

/** Adds a pattern's passes to the budget; an issue when they go beyond its cap. */
function spend(budget: SearchBudget, element: keyof SearchBudget, passes: number, pointer: string): Issue | undefined {
  if (passes === 0) return undefined
  const before = budget[element]
  budget[element] += passes
  const cap = element === 'condition' ? MAX_CONDITION_SEARCHES : MAX_RESOURCE_SEARCHES
  // Reported once, at the entry that goes beyond the cap.
  if (before > cap || budget[element] <= cap) return undefined
  const where = element === 'condition' ? 'StringLike/StringNotLike values' : 'Resource/NotResource entries'
  return {
    pointer,
    code: 'pattern.too-many-searches',
    message: `${where} with text between two "*" need at most ${cap} searches of the request per policy; this one brings them to ${budget[element]}`,
  }
}

function compileStatement(
  doc: StatementDocument,
  index: number,
  kind: PolicyKind,
  issues: Issue[],
  budget: SearchBudget,
): Statement {
  const pointer = `/Statement/${index}`
  const actionElement = pickElement(doc, 'Action', 'NotAction', pointer, issues)
  const resourceElement = pickElement(doc, 'Resource', 'NotResource', pointer, issues)

  const actions: ActionPattern[] = []
  for (const [entry, at] of entries(doc[actionElement], appendPointer(pointer, actionElement))) {
    const tooComplex = wildcardProblem(entry)
    if (tooComplex) {
      issues.push({ pointer: at, code: 'pattern.too-complex', message: tooComplex })
      continue
    }
    const check = checkAction(entry)
    if (!check.ok) {
      issues.push({ pointer: at, code: check.code, message: check.message })
      continue
    }
    actions.push({ text: entry, pointer: at, matches: compileWildcard(check.pattern), known: check.known })
  }

  const resources: LocatedResourcePattern[] = []
  for (const [entry, at] of entries(doc[resourceElement], appendPointer(pointer, resourceElement))) {
    const tooComplex = wildcardProblem(entry)
    if (tooComplex) {
      issues.push({ pointer: at, code: 'pattern.too-complex', message: tooComplex })
      continue
    }
    const check = compileResource(entry)
    if (!check.ok) {
      issues.push({ pointer: at, code: check.code, message: check.message })
      continue
    }
    const overBudget = spend(budget, 'resource', check.pattern.searches, at)
    if (overBudget) issues.push(overBudget)
    resources.push({ ...check.pattern, pointer: at })
  }

  let principals: string[] | undefined
  if (doc.Principal !== undefined && (typeof doc.Principal === 'string' || Array.isArray(doc.Principal))) {
    if (kind === 'identity') {
      issues.push({
        pointer: appendPointer(pointer, 'Principal'),
        code: 'statement.principal-forbidden',
        message: 'Principal belongs in bucket policies; RAM and session policies must not have it',
      })
    }
    principals = typeof doc.Principal === 'string' ? [doc.Principal] : [...doc.Principal]
    if (principals.length === 0) principals = ['*']
  } else if (kind === 'bucket') {
    issues.push({
      pointer: appendPointer(pointer, 'Principal'),
      code: 'statement.principal-missing',
      message: 'a bucket policy statement needs a Principal',
    })
  }

  const conditions = isRecord(doc.Condition) ? compileConditions(doc.Condition, appendPointer(pointer, 'Condition'), issues, budget) : []

  return {
    index,
    pointer,
    ...(doc.Sid !== undefined ? { sid: doc.Sid } : {}),
    effect: doc.Effect,
    actionElement,
    actions,
    resourceElement,
    resources,
    conditions,
    ...(principals ? { principals } : {}),
  }
}

function pickElement<A extends 'Action' | 'Resource', N extends 'NotAction' | 'NotResource'>(
  doc: StatementDocument,
  positive: A,
  negative: N,
  pointer: string,
  issues: Issue[],
): A | N {
  const hasPositive = doc[positive] !== undefined
  const hasNegative = doc[negative] !== undefined
  if (hasPositive && hasNegative) {
    issues.push({
      pointer: appendPointer(pointer, negative),
      code: 'statement.element-conflict',
      message: `a statement takes "${positive}" or "${negative}", not both`,
    })
  } else if (!hasPositive && !hasNegative) {
    issues.push({
      pointer: appendPointer(pointer, positive),
      code: 'schema.required',
      message: `"${positive}" (or "${negative}") is required`,
    })
  }
  return hasNegative && !hasPositive ? negative : positive
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The string entries of a string-or-list element; ill-typed ones were reported by the shape pass. */
function* entries(value: unknown, pointer: string): Generator<[string, string]> {
  if (typeof value === 'string') {
    yield [value, pointer]
    return
  }
  if (!Array.isArray(value)) return
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] === 'string') yield [value[i] as string, appendPointer(pointer, i)]
  }
}

function compileConditions(
  block: Readonly<Record<string, Readonly<Record<string, ConditionValueDocument>>>>,
  pointer: string,
  issues: Issue[],
  budget: SearchBudget,
): Condition[] {
  const conditions: Condition[] = []
  for (const [operatorName, keys] of Object.entries(block)) {
    if (!isRecord(keys)) continue
    const operatorPointer = appendPointer(pointer, operatorName)
    const lookup = lookupOperator(operatorName)
    if (!lookup.ok) {
      issues.push({ pointer: operatorPointer, code: lookup.code, message: lookup.message })
      continue
    }
    const { operator } = lookup
    for (const [key, rawValues] of Object.entries(keys)) {
      const keyPointer = appendPointer(operatorPointer, key)
      const list: unknown[] = Array.isArray(rawValues) ? rawValues : [rawValues]
      if (list.length === 0 || !list.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) continue
      const spec = lookupConditionKey(key)
      if (!spec) {
        issues.push({ pointer: keyPointer, code: 'condition.key-unknown', message: `"${key}" is not a condition key RAM or OSS documents` })
        continue
      }
      // RAM documents each key in one spelling and not whether others match; refuse the rest.
      if (!spec.spelt) {
        issues.push({ pointer: keyPointer, code: 'condition.key-case', message: `"${key}" is not spelt as RAM documents it; write "${spec.name}"` })
        continue
      }
      if (!familyAccepts(spec.family, operator.family)) {
        issues.push({
          pointer: keyPointer,
          code: 'condition.key-type',
          message: `${operator.name} compares ${operator.family} values, but ${spec.name} is ${spec.family}`,
        })
        continue
      }
      const values = list.map(String)
      const compiled = operator.compile(values)
      if (!compiled.ok) {
        issues.push({ pointer: keyPointer, code: 'condition.value', message: compiled.message })
        continue
      }
      if (operator.globs) {
        for (let i = 0; i < values.length; i++) {
          const at = Array.isArray(rawValues) ? appendPointer(keyPointer, i) : keyPointer
          const overBudget = spend(budget, 'condition', searchPasses(values[i] as string), at)
          if (overBudget) issues.push(overBudget)
        }
      }
      conditions.push({ operator, key, keyLower: key.toLowerCase(), values, test: compiled.test })
    }
  }
  return conditions
}

function normaliseDocument(document: PolicyDocument): PolicyDocument {
  const list = (v: string | readonly string[]): string[] => (typeof v === 'string' ? [v] : [...v])
  return {
    Version: '1',
    Statement: document.Statement.map((s) => ({
      ...(s.Sid !== undefined ? { Sid: s.Sid } : {}),
      Effect: s.Effect,
      ...(s.Principal !== undefined ? { Principal: list(s.Principal) } : {}),
      ...(s.Action !== undefined ? { Action: list(s.Action) } : {}),
      ...(s.NotAction !== undefined ? { NotAction: list(s.NotAction) } : {}),
      ...(s.Resource !== undefined ? { Resource: list(s.Resource) } : {}),
      ...(s.NotResource !== undefined ? { NotResource: list(s.NotResource) } : {}),
      ...(s.Condition !== undefined ? { Condition: s.Condition } : {}),
    })),
  }
}
