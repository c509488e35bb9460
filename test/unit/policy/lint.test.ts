import { describe, expect, it } from 'vitest'
import { lintPolicy, LINT_CODES } from '../../../src/policy/lint.js'
import { parsePolicy } from '../../../src/policy/parse.js'
import { loadVectorFile } from '../../helpers/vectors.js'

interface LintCase {
  name: string
  policy: unknown
  expected: { pointer: string; code: string }[]
}

const vectors = loadVectorFile<LintCase>('policy/lint.json')
const key = (i: { pointer: string; code: string }) => `${i.pointer} ${i.code}`

describe(vectors.file, () => {
  it.each(vectors.cases)('$name', ({ policy, expected }) => {
    const warnings = lintPolicy(parsePolicy(policy))
    expect(warnings.map(key).sort()).toEqual(expected.map(key).sort())
    for (const w of warnings) expect(w.message.startsWith(LINT_CODES[w.code as keyof typeof LINT_CODES])).toBe(true)
  })

  it('exercises every lint code', () => {
    const used = new Set(vectors.cases.flatMap((c) => c.expected.map((e) => e.code)))
    expect([...used].sort()).toEqual(Object.keys(LINT_CODES).sort())
  })
})
