import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { dirname, join, relative, basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const VECTORS = join(ROOT, 'test', 'vectors')
const SCHEMAS = join(VECTORS, '_schemas')

export interface VectorFile<C> {
  readonly file: string
  readonly description: string
  readonly source: string
  readonly cases: readonly C[]
}

const ajv = new Ajv({ allErrors: true, strict: false })

/** The schema for a vector file: `_schemas/<dir>/<stem>.schema.json`, else `_schemas/<dir>.schema.json`. */
export function schemaPathFor(file: string): string | undefined {
  const rel = relative(VECTORS, file)
  const own = join(SCHEMAS, rel.replace(/\.json$/, '.schema.json'))
  if (existsSync(own)) return own
  const byDir = join(SCHEMAS, `${dirname(rel)}.schema.json`)
  return existsSync(byDir) ? byDir : undefined
}

/**
 * Reads one vector file and checks it: the envelope (description, source, cases), every case
 * against its schema, and case names unique, so that a typo such as "expectd" fails the suite.
 */
export function loadVectorFile<C extends { name: string }>(path: string): VectorFile<C> {
  const file = path.startsWith('/') ? path : join(VECTORS, path)
  const data = JSON.parse(readFileSync(file, 'utf8')) as { description?: unknown; source?: unknown; cases?: unknown }
  const label = relative(VECTORS, file)
  if (typeof data.description !== 'string' || typeof data.source !== 'string' || !Array.isArray(data.cases)) {
    throw new Error(`${label}: a vector file needs "description", "source" and "cases"`)
  }
  const extra = Object.keys(data).filter((k) => !['description', 'source', 'cases'].includes(k))
  if (extra.length > 0) throw new Error(`${label}: unknown top-level keys ${extra.join(', ')}`)
  const schemaPath = schemaPathFor(file)
  if (!schemaPath) throw new Error(`${label}: no schema under test/vectors/_schemas`)
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object)
  const names = new Set<string>()
  data.cases.forEach((c: unknown, i: number) => {
    if (!validate(c)) throw new Error(`${label} case ${i}: ${ajv.errorsText(validate.errors)}`)
    const name = (c as { name: string }).name
    if (names.has(name)) throw new Error(`${label}: duplicate case name "${name}"`)
    names.add(name)
  })
  return { file: label, description: data.description, source: data.source, cases: data.cases as C[] }
}

/** Every vector file in a folder of `test/vectors`, recursively, sorted. */
export function loadVectorDir<C extends { name: string }>(dir: string): VectorFile<C>[] {
  return listVectorFiles(join(VECTORS, dir)).map((f) => loadVectorFile<C>(f))
}

export function listVectorFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.endsWith('.schema.json'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !relative(VECTORS, f).startsWith('_schemas'))
    .sort()
}

export const fileStem = (f: string) => basename(f, '.json')
