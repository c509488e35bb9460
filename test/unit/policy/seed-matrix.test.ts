import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildSeedMatrix, type MatrixRowId } from '../../../src/policy/matrix.js'
import { parsePolicyText } from '../../../src/policy/parse.js'
import { ROOT, loadVectorFile } from '../../helpers/vectors.js'

interface MatrixCase {
  name: string
  policyFile: string
  row: MatrixRowId
  documented: 'Successful' | 'Failed'
  expected: string
  erratum?: string
}

const vectors = loadVectorFile<MatrixCase>('policy/seed-matrix.json')

function cellFor(policyFile: string, row: MatrixRowId) {
  const policy = parsePolicyText(readFileSync(join(ROOT, policyFile), 'utf8'), { name: policyFile })
  const cells = buildSeedMatrix({ identity: [policy] }, { bucket: 'app-base-oss', user: 'user1' })
  return cells.find((c) => c.id === row)
}

describe(vectors.file, () => {
  it.each(vectors.cases)('$name', ({ policyFile, row, documented, expected, erratum }) => {
    const cell = cellFor(policyFile, row)
    expect(cell?.decision).toBe(expected)
    const agreesWithDoc = (expected === 'Allow') === (documented === 'Successful')
    // A cell that departs from the documented table must name its erratum, and only such a cell may.
    expect(erratum === undefined).toBe(agreesWithDoc)
  })

  it('covers all 49 documented cells of the seven corrected policies', () => {
    const corrected = vectors.cases.filter((c) => c.policyFile.startsWith('policies/seed/'))
    expect(corrected).toHaveLength(49)
    expect(corrected.filter((c) => c.erratum)).toHaveLength(3)
    expect(corrected.filter((c) => c.erratum).every((c) => c.policyFile.includes('p4-write-only'))).toBe(true)
  })

  it('explains the P4 erratum with a trace: PutObject matches no GetObject statement', () => {
    const cell = cellFor('policies/seed/p4-write-only.json', 'get-user')
    const statements = cell?.detail.checks[0]?.result.layers[0]?.statements
    expect(statements).toEqual([expect.objectContaining({ matched: false, reason: 'action', pointer: '/Statement/0' })])
  })
})
