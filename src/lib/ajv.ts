import { Ajv, type ErrorObject } from 'ajv'
import type { Issue } from '../errors.js'
import { appendPointer } from './json-pointer.js'

/** The one ajv configuration ossvend uses: every error at once, strict schemas. */
export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true })
}

/**
 * Turns ajv errors into issues whose pointer names the offending member itself (for a missing
 * or unknown property, the property, not its parent). `knownKeys` feeds "did you mean" hints.
 */
export function toIssues(errors: readonly ErrorObject[] | null | undefined): Issue[] {
  const issues: Issue[] = []
  for (const error of errors ?? []) {
    issues.push(toIssue(error))
  }
  return dedupe(issues)
}

function toIssue(error: ErrorObject): Issue {
  const at = error.instancePath
  switch (error.keyword) {
    case 'required': {
      const name = String((error.params as { missingProperty: string }).missingProperty)
      return { pointer: appendPointer(at, name), code: 'schema.required', message: `"${name}" is required` }
    }
    case 'additionalProperties': {
      const name = String((error.params as { additionalProperty: string }).additionalProperty)
      const hint = suggestion(name, error.parentSchema)
      return {
        pointer: appendPointer(at, name),
        code: 'schema.unknown-property',
        message: `unknown property "${name}"${hint}`,
      }
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues
      return {
        pointer: at,
        code: 'schema.enum',
        message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      }
    }
    case 'const': {
      const allowed = (error.params as { allowedValue: unknown }).allowedValue
      return { pointer: at, code: 'schema.enum', message: `must be ${JSON.stringify(allowed)}` }
    }
    default:
      return { pointer: at, code: `schema.${error.keyword}`, message: error.message ?? 'is invalid' }
  }
}

function suggestion(name: string, parentSchema: unknown): string {
  const properties = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties
  if (!properties) return ''
  const wanted = name.replace(/\s+/g, '').toLowerCase()
  const match = Object.keys(properties).find((key) => key.toLowerCase() === wanted)
  return match ? ` (did you mean "${match}"?)` : ''
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>()
  return issues.filter((issue) => {
    const key = `${issue.pointer}\u0000${issue.code}\u0000${issue.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
