import { TemplateInvalidError, type Issue } from '../../errors.js'
import { createAjv, toIssues } from '../../lib/ajv.js'
import { appendPointer } from '../../lib/json-pointer.js'
import { checkJsonValue } from '../../lib/parse-json.js'

/**
 * Path rules: a scope written as a list of key patterns, each granting verbs to roles, instead
 * of a policy template. The grammar, kept small so that every rule compiles to RAM exactly:
 *
 *   rule     = { "path": PATTERN, "bucket"?: NAME, "access": { ROLE: [VERB, ...], ... },
 *                "id"?: AREA-ID, "label"?: TEXT, "ownerLabel"?: TEXT }
 *   PATTERN  = segment *( "/" segment ) [ "*" ]      an exact key, or a prefix ending in "*"
 *   segment  = 1*( A-Z a-z 0-9 "." "_" "-" ) | "{user}" | "{claims.NAME}"
 *   ROLE     = "guest" | "authenticated" | "owner"
 *   VERB     = "read" | "list" | "write" | "delete"
 *
 * A placeholder is a whole segment, never part of one. For `owner` the `{user}` segment is the
 * caller's own id; for `guest` and `authenticated` it stands for anyone's id, which in RAM is `*`
 * (any run of characters, `/` included), and that is exactly what it means here too.
 */

export const VERBS = ['read', 'list', 'write', 'delete'] as const
export const ROLES = ['guest', 'authenticated', 'owner'] as const
export type Verb = (typeof VERBS)[number]
export type Role = (typeof ROLES)[number]

/** One piece of a pattern: literal text (slashes included), a placeholder, or the final `*`. */
export type PatternToken =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'user' }
  | { readonly kind: 'claim'; readonly name: string }
  | { readonly kind: 'any' }

export interface PathRule {
  readonly index: number
  /** `/rules/N` in the rules file. */
  readonly pointer: string
  readonly path: string
  readonly tokens: readonly PatternToken[]
  /** Absent: the configured bucket (`oss.bucket`). */
  readonly bucket?: string
  readonly access: Readonly<Partial<Record<Role, readonly Verb[]>>>
  readonly id?: string
  readonly label?: string
  readonly ownerLabel?: string
}

export interface RuleSet {
  readonly name: string
  readonly description: string
  readonly rules: readonly PathRule[]
  /** Every `{claims.NAME}` the rules use. */
  readonly claims: readonly string[]
}

/** At most this many rules per scope: each costs policy characters, and STS allows 2,048. */
export const MAX_RULES = 64
/** A claim name a rule may use: `{claims.NAME}`. */
export const CLAIM_NAME = /^[A-Za-z0-9_:-]{1,64}$/
const LITERAL_SEGMENT = /^[A-Za-z0-9._-]+$/
const LAST_LITERAL_WITH_STAR = /^[A-Za-z0-9._-]*\*$/

const verbList = { type: 'array', minItems: 1, uniqueItems: true, items: { enum: VERBS } } as const

export const RULE_SET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    description: { type: 'string', maxLength: 1024 },
    rules: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_RULES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'access'],
        properties: {
          path: { type: 'string', minLength: 1, maxLength: 512 },
          bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' },
          access: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: { guest: verbList, authenticated: verbList, owner: verbList },
          },
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
          label: { type: 'string', minLength: 1, maxLength: 64 },
          ownerLabel: { type: 'string', minLength: 1, maxLength: 64 },
        },
      },
    },
  },
} as const

const validate = createAjv().compile(RULE_SET_SCHEMA)

/** A document is a rules file (rather than a template) when it has a `rules` member. */
export function isRuleSetDocument(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.hasOwn(raw, 'rules')
}

/**
 * Checks a rules document: its shape (ajv), then each pattern, and that `owner` is only granted
 * where the pattern names `{user}` and `list` only on a prefix.
 * @throws {TemplateInvalidError} ERR_TEMPLATE_INVALID listing every issue with its JSON pointer.
 */
export function parseRuleSet(raw: unknown, name = 'rules'): RuleSet {
  const unsafe = checkJsonValue(raw, 8)
  if (unsafe) throw new TemplateInvalidError(name, [unsafe])
  if (!validate(raw)) {
    // The shape is wrong somewhere; the patterns are still checked, so one run names every issue.
    const issues = toIssues(validate.errors)
    const rules = (raw as { rules?: unknown }).rules
    if (Array.isArray(rules)) {
      rules.forEach((rule: unknown, index) => {
        const path = (rule as { path?: unknown } | null)?.path
        if (typeof path === 'string') parsePattern(path, appendPointer(appendPointer('/rules', index), 'path'), issues)
      })
    }
    throw new TemplateInvalidError(name, issues)
  }
  const doc = raw as { description?: string; rules: Array<Omit<PathRule, 'index' | 'pointer' | 'tokens'>> }
  const issues: Issue[] = []
  const claims = new Set<string>()
  const rules = doc.rules.map((rule, index): PathRule => {
    const pointer = appendPointer('/rules', index)
    const tokens = parsePattern(rule.path, appendPointer(pointer, 'path'), issues)
    for (const t of tokens) if (t.kind === 'claim') claims.add(t.name)
    const hasUser = tokens.some((t) => t.kind === 'user')
    const isPrefix = tokens.at(-1)?.kind === 'any'
    if (rule.access.owner && !hasUser) {
      issues.push({ pointer: appendPointer(appendPointer(pointer, 'access'), 'owner'), code: 'rules.owner-without-user', message: 'the owner is the user whose id fills {user}; this path has no {user} segment' })
    }
    for (const role of ROLES) {
      const verbs = rule.access[role]
      if (verbs?.includes('list') && !isPrefix) {
        issues.push({ pointer: appendPointer(appendPointer(appendPointer(pointer, 'access'), role), verbs.indexOf('list')), code: 'rules.list-exact-key', message: 'list needs a path ending in "*" (a prefix), not an exact key' })
      }
    }
    return { ...rule, index, pointer, tokens }
  })
  if (issues.length > 0) throw new TemplateInvalidError(name, issues)
  return { name, description: doc.description ?? '', rules, claims: [...claims] }
}

function parsePattern(path: string, pointer: string, issues: Issue[]): PatternToken[] {
  const issue = (code: string, message: string) => issues.push({ pointer, code, message })
  const segments = path.split('/')
  const tokens: PatternToken[] = []
  const pushText = (text: string) => {
    const last = tokens.at(-1)
    if (last?.kind === 'text') tokens[tokens.length - 1] = { kind: 'text', text: last.text + text }
    else tokens.push({ kind: 'text', text })
  }
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1
    if (i > 0) pushText('/')
    if (segment === '') {
      if (last && i > 0) {
        issue('rules.exact-key-slash', 'an exact key cannot end with "/"; end a prefix with "/*"')
      } else {
        issue('rules.empty-segment', 'the path has an empty segment (a leading "/" or "//")')
      }
      return tokens
    }
    if (segment === '{user}') {
      tokens.push({ kind: 'user' })
      continue
    }
    const claim = /^\{claims\.(.*)\}$/.exec(segment)
    if (claim) {
      const claimName = claim[1] as string
      if (!CLAIM_NAME.test(claimName)) issue('rules.claim-name', `"${claimName}" is not a claim name (1-64 of A-Z a-z 0-9 _ : -)`)
      tokens.push({ kind: 'claim', name: claimName })
      continue
    }
    if (segment.includes('{') || segment.includes('}')) {
      issue('rules.placeholder-mid-segment', `"${segment}": a placeholder must be a whole segment ({user} or {claims.NAME}), nothing else in it`)
      continue
    }
    if (segment.includes('*')) {
      if (!last || !LAST_LITERAL_WITH_STAR.test(segment)) {
        issue('rules.wildcard', 'only one "*", at the very end of the path, is allowed')
        continue
      }
      if (segment.length > 1) pushText(segment.slice(0, -1))
      tokens.push({ kind: 'any' })
      continue
    }
    if (segment === '.' || segment === '..' || !LITERAL_SEGMENT.test(segment)) {
      issue('rules.segment', `"${segment}": a segment holds A-Z a-z 0-9 "." "_" "-" (not "." or ".." alone)`)
      continue
    }
    pushText(segment)
  }
  return tokens
}
