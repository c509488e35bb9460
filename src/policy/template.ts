import { TemplateInvalidError, TemplateValueError, type Issue } from '../errors.js'
import { appendPointer } from '../lib/json-pointer.js'
import { checkJsonValue, parseJsonText } from '../lib/parse-json.js'
import { checkPolicy, MAX_POLICY_TEXT_CHARS } from './parse.js'

/** The variables a template may use, each with the only characters its value may hold. */
export const TEMPLATE_VARIABLES = {
  user: {
    // Built-in ids have no dot; identity provider users are `<provider>.<subject part>` (auth/user-id.ts).
    pattern: /^(?=.{1,63}$)[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)?$/,
    rule: '1-63 characters of a-z, 0-9, "_" and "-", starting with a letter or digit, with at most one "." inside',
  },
  bucket: {
    pattern: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    rule: 'an OSS bucket name: 3-63 characters of a-z, 0-9 and "-", not starting or ending with "-"',
  },
  account: {
    pattern: /^[0-9]{1,32}$/,
    rule: 'an Alibaba Cloud account id: digits only',
  },
} as const

export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES
export type TemplateValues = Readonly<Record<TemplateVariable, string>>

/** A per-user policy template: a RAM policy whose strings may hold `${user}`, `${bucket}`, `${account}`. */
export interface PolicyTemplate {
  readonly name: string
  readonly description: string
  /** The key prefix the rendered policy must stay inside, e.g. `${user}/`. */
  readonly prefix: string
  readonly policy: unknown
}

const PLACEHOLDER = /\$\{([^}]*)\}/g

/** A template is a policy one level down (`/policy/...`), with a level to spare. */
const TEMPLATE_MAX_DEPTH = 9

/** Values used to check a template's grammar when it is loaded. */
const SAMPLE_VALUES: TemplateValues = { user: 'sample-user', bucket: 'sample-bucket', account: '1000000000000000' }

/**
 * Checks a template document: its shape, that every `${...}` names a known variable (and none
 * stands in an object key), that the prefix is the user's own, and that the policy it renders is
 * valid grammar.
 * @throws {TemplateInvalidError} ERR_TEMPLATE_INVALID listing every issue.
 */
export function parseTemplate(raw: unknown, name = 'template'): PolicyTemplate {
  const issues: Issue[] = []
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TemplateInvalidError(name, [{ pointer: '', code: 'schema.type', message: 'a template must be a JSON object' }])
  }
  // A template object may come from any caller; it must be plain JSON data, without a
  // prototype key (one would survive substitution in memory but vanish from the text sent to STS).
  const unsafe = checkJsonValue(raw, TEMPLATE_MAX_DEPTH)
  if (unsafe) throw new TemplateInvalidError(name, [unsafe])
  const doc = raw as Record<string, unknown>
  for (const key of Object.keys(doc)) {
    if (!['description', 'prefix', 'policy'].includes(key)) {
      issues.push({ pointer: appendPointer('', key), code: 'schema.unknown-property', message: `unknown property "${key}"` })
    }
  }
  const description = typeof doc.description === 'string' ? doc.description : ''
  if (typeof doc.prefix !== 'string' || !doc.prefix.startsWith('${user}/')) {
    issues.push({
      pointer: '/prefix',
      code: 'template.prefix',
      message: '"prefix" is required and must start with "${user}/", so each user has a prefix of their own',
    })
  }
  if (doc.policy === undefined) {
    issues.push({ pointer: '/policy', code: 'schema.required', message: '"policy" is required' })
  } else {
    collectPlaceholderIssues(doc.policy, '/policy', issues)
  }
  if (issues.length === 0) {
    const check = checkPolicy(substitute(doc.policy, SAMPLE_VALUES), { name })
    if (!check.ok) {
      for (const issue of check.issues) issues.push({ ...issue, pointer: `/policy${issue.pointer}` })
    }
  }
  if (issues.length > 0) throw new TemplateInvalidError(name, issues)
  return { name, description, prefix: doc.prefix as string, policy: doc.policy }
}

/** @throws {TemplateInvalidError} ERR_TEMPLATE_INVALID, also for JSON syntax errors (line and column). */
export function parseTemplateText(text: string, name = 'template'): PolicyTemplate {
  const json = parseJsonText(text, { maxChars: MAX_POLICY_TEXT_CHARS, maxDepth: TEMPLATE_MAX_DEPTH })
  if (!json.ok) throw new TemplateInvalidError(name, [json.issue])
  return parseTemplate(json.value, name)
}

/**
 * Checks each value against its variable's character set. Values are refused, never escaped:
 * RAM has no escape syntax, so the only safe value is one with no special character at all.
 * @throws {TemplateValueError} ERR_TEMPLATE_VALUE
 */
export function checkTemplateValues(values: TemplateValues): void {
  for (const variable of Object.keys(TEMPLATE_VARIABLES) as TemplateVariable[]) {
    const value = values[variable]
    const spec = TEMPLATE_VARIABLES[variable]
    if (typeof value !== 'string' || !spec.pattern.test(value)) throw new TemplateValueError(variable, spec.rule)
  }
}

/** Replaces placeholders in every string of a JSON value; values must already be checked. */
export function substitute(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_, name: string) => values[name as TemplateVariable])
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, values))
  if (value !== null && typeof value === 'object') {
    // defineProperty, not assignment: no key, whatever its name, can reach the prototype.
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: substitute(v, values), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return value
}

function collectPlaceholderIssues(value: unknown, pointer: string, issues: Issue[]): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(PLACEHOLDER)) {
      const name = match[1] as string
      if (!(name in TEMPLATE_VARIABLES)) {
        issues.push({
          pointer,
          code: 'template.variable-unknown',
          message: `"\${${name}}" is not a template variable; use ${Object.keys(TEMPLATE_VARIABLES).map((n) => `\${${n}}`).join(', ')}`,
        })
      }
    }
    return
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectPlaceholderIssues(v, appendPointer(pointer, i), issues))
    return
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = appendPointer(pointer, k)
      if (k.includes('${')) {
        issues.push({ pointer: at, code: 'template.variable-in-key', message: 'a template variable cannot stand in an object key' })
      }
      collectPlaceholderIssues(v, at, issues)
    }
  }
}
