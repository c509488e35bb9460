import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { TemplateInvalidError, type Issue } from '../errors.js'
import { parseJsonText } from '../lib/parse-json.js'
import { lintPolicy } from '../policy/lint.js'
import { checkPolicy } from '../policy/parse.js'
import { parseTemplate } from '../policy/template.js'
import { isRuleSetDocument, parseRuleSet } from '../policy/path-rules/rule-set.js'
import { parseCommandArgs } from './args.js'
import { EXIT, UsageError, type CliIo } from './io.js'

export const VALIDATE_USAGE = 'ossvend validate FILE|DIR... [--json]'

interface FileReport {
  readonly file: string
  readonly kind: 'policy' | 'bucket-policy' | 'template' | 'rules' | 'referer'
  readonly valid: boolean
  readonly errors: readonly Issue[]
  readonly warnings: readonly Issue[]
}

/** Grammar and lint for policy, bucket-policy, template, path-rules and referer files: exit 0 valid, 1 invalid. */
export async function validateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean', default: false } }, true)
  if (positionals.length === 0) throw new UsageError('name at least one file or directory')
  const files: string[] = []
  for (const target of positionals) files.push(...(await jsonFiles(resolve(io.cwd, target))))
  const reports = await Promise.all(files.map((file) => validateFile(file, relative(io.cwd, file) || file)))
  const valid = reports.every((r) => r.valid)
  if (values.json) {
    io.stdout(`${JSON.stringify({ valid, files: reports })}\n`)
  } else {
    for (const report of reports) {
      io.stdout(`${report.valid ? 'valid  ' : 'INVALID'} ${report.file} (${report.kind})\n`)
      for (const issue of report.errors) io.stdout(`  error   ${issue.pointer || '/'} ${issue.code}: ${issue.message}\n`)
      for (const issue of report.warnings) io.stdout(`  warning ${issue.pointer || '/'} ${issue.code}: ${issue.message}\n`)
    }
  }
  return valid ? EXIT.ok : EXIT.invalid
}

async function jsonFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path]
  const entries = await readdir(path, { withFileTypes: true, recursive: true })
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

async function validateFile(path: string, label: string): Promise<FileReport> {
  const json = parseJsonText(await readFile(path, 'utf8'))
  if (!json.ok) return { file: label, kind: 'policy', valid: false, errors: [json.issue], warnings: [] }
  const value = json.value as Record<string, unknown> | null
  if (value !== null && typeof value === 'object' && 'policy' in value && 'prefix' in value) {
    try {
      parseTemplate(value, label)
      return { file: label, kind: 'template', valid: true, errors: [], warnings: [] }
    } catch (err) {
      if (err instanceof TemplateInvalidError) return { file: label, kind: 'template', valid: false, errors: err.issues, warnings: [] }
      throw err
    }
  }
  if (isRuleSetDocument(value)) {
    // The grammar only: buckets, regions and the size limit depend on a config (`render` checks them).
    try {
      parseRuleSet(value, label)
      return { file: label, kind: 'rules', valid: true, errors: [], warnings: [] }
    } catch (err) {
      if (err instanceof TemplateInvalidError) return { file: label, kind: 'rules', valid: false, errors: err.issues, warnings: [] }
      throw err
    }
  }
  if (value !== null && typeof value === 'object' && 'whitelist' in value) {
    const ok = Array.isArray(value.whitelist) && value.whitelist.every((e) => typeof e === 'string') && typeof value.allowEmpty === 'boolean'
    const errors: Issue[] = ok ? [] : [{ pointer: '', code: 'referer.shape', message: 'expected { "whitelist": [strings], "allowEmpty": true|false }' }]
    return { file: label, kind: 'referer', valid: ok, errors, warnings: [] }
  }
  const statements = (value as { Statement?: unknown } | null)?.Statement
  const isBucket = Array.isArray(statements) && statements.some((s) => s !== null && typeof s === 'object' && 'Principal' in s)
  const kind = isBucket ? 'bucket-policy' : 'policy'
  const result = checkPolicy(json.value, { name: label, kind: isBucket ? 'bucket' : 'identity' })
  if (!result.ok) return { file: label, kind, valid: false, errors: result.issues, warnings: [] }
  return { file: label, kind, valid: true, errors: [], warnings: lintPolicy(result.policy) }
}
