import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as errors from '../../src/errors.js'
import { ROOT } from '../helpers/vectors.js'

/** Codes declared by the error classes in src/errors.ts. */
function codesInSource(): string[] {
  const source = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8')
  const union = /export type ErrorCode =([\s\S]*?)\n\n/.exec(source)?.[1] ?? ''
  return [...union.matchAll(/'(ERR_[A-Z_]+)'/g)].map((m) => m[1] as string).sort()
}

/** Codes in the README's error table (rows that start with a backquoted ERR_ code). */
function codesInReadme(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  return [...readme.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1] as string).sort()
}

describe('error codes', () => {
  it('are documented in the README table, and the table lists nothing else', () => {
    expect(codesInReadme()).toEqual(codesInSource())
  })

  it('each have an error class that carries the code', () => {
    const source = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8')
    const carried = [...source.matchAll(/readonly code = '(ERR_[A-Z_]+)'/g)].map((m) => m[1] as string)
    expect([...carried].sort()).toEqual(codesInSource())
    expect(Object.keys(errors)).toContain('AppError')
  })
})
