import { describe, expect, it } from 'vitest'
import { compileRefererConfig, type RefererConfig, type RefererRequest } from '../../../src/policy/referer.js'
import { loadVectorFile } from '../../helpers/vectors.js'

interface RefererCase {
  name: string
  config: RefererConfig
  request: RefererRequest
  expected: { allowed: boolean; reason: string; entry?: string }
}

const vectors = loadVectorFile<RefererCase>('policy/referer.json')

describe(vectors.file, () => {
  it.each(vectors.cases)('$name', ({ config, request, expected }) => {
    const decision = compileRefererConfig(config)(request)
    expect(decision.allowed).toBe(expected.allowed)
    expect(decision.reason).toBe(expected.reason)
    if (expected.entry) expect(decision.entry).toBe(expected.entry)
  })
})
