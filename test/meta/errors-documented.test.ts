import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as errors from '../../src/errors.js'
import { PROBLEMS } from '../../src/http/problem.js'
import { ROOT } from '../helpers/vectors.js'

/** Codes declared by the error classes in src/errors.ts. */
function codesInSource(): string[] {
  const source = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8')
  const union = /export type ErrorCode =([\s\S]*?)\n\n/.exec(source)?.[1] ?? ''
  return [...union.matchAll(/'(ERR_[A-Z_]+)'/g)].map((m) => m[1] as string).sort()
}

/** Rows of the README's error table: a backquoted ERR_ code, then its HTTP status. */
function readmeRows(): Map<string, number> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  return new Map([...readme.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])]))
}
const codesInReadme = () => [...readmeRows().keys()].sort()

describe('error codes', () => {
  it('are documented in the README table, and the table lists nothing else', () => {
    expect(codesInReadme()).toEqual(codesInSource())
  })

  it('have the same HTTP status in the README as in the problem table', () => {
    for (const [code, status] of readmeRows()) expect(status, code).toBe(PROBLEMS[code as keyof typeof PROBLEMS].status)
  })

  it('each have an error class that carries the code', () => {
    const source = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8')
    const carried = [...source.matchAll(/readonly code = '(ERR_[A-Z_]+)'/g)].map((m) => m[1] as string)
    expect([...carried].sort()).toEqual(codesInSource())
    expect(Object.keys(errors)).toContain('AppError')
  })
})
