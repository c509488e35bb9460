import { describe, expect, it } from 'vitest'
import { authorize } from '../../../src/policy/authorize.js'
import { evaluate } from '../../../src/policy/evaluate.js'
import { parsePolicy } from '../../../src/policy/parse.js'
import type { StatementTrace } from '../../../src/policy/trace.js'
import { buildLayers, type LayersInput } from '../../helpers/layers.js'
import { loadVectorDir, loadVectorFile } from '../../helpers/vectors.js'

interface EvaluateCase {
  name: string
  layers: LayersInput
  request: { action: string; resource: string; context?: Record<string, string | string[]> }
  dataOperation?: boolean
  expected: {
    decision: string
    layer?: string
    reason?: string
    matched?: string[]
    layersEvaluated?: string[]
    statements?: { statement: string; reason: string; key?: string; cause?: string }[]
  }
}

const ref = (s: StatementTrace) => `${s.policy}${'#'}${s.pointer}`

for (const file of loadVectorDir<EvaluateCase>('policy/evaluate')) {
  describe(file.file, () => {
    it.each(file.cases)('$name', ({ layers, request, dataOperation, expected }) => {
      const decision = authorize(buildLayers(layers), request, { dataOperation: dataOperation ?? false })
      expect(decision.decision).toBe(expected.decision)
      if (expected.layer) expect(decision.layer).toBe(expected.layer)
      if (expected.reason) expect(decision.reason).toBe(expected.reason)
      if (expected.matched) expect(decision.matched.map(ref)).toEqual(expected.matched)
      if (expected.layersEvaluated) expect(decision.layers.map((l) => l.layer)).toEqual(expected.layersEvaluated)
      const all = decision.layers.flatMap((l) => l.statements)
      for (const want of expected.statements ?? []) {
        const got = all.find((s) => ref(s) === want.statement)
        expect(got, `trace for ${want.statement}`).toBeDefined()
        expect(got?.matched).toBe(false)
        expect(got?.reason).toBe(want.reason)
        if (want.key) expect(got?.condition?.key).toBe(want.key)
        if (want.cause) expect(got?.condition?.cause).toBe(want.cause)
      }
    })
  })
}

interface ConditionCase {
  name: string
  condition: Record<string, Record<string, unknown>>
  context: Record<string, string | string[]>
  matches: boolean
}

const conditions = loadVectorFile<ConditionCase>('policy/conditions.json')
describe(conditions.file, () => {
  it.each(conditions.cases)('$name', ({ condition, context, matches }) => {
    const policy = parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*', Condition: condition }] })
    const result = evaluate([policy], { action: 'oss:GetObject', resource: 'acs:oss:*:1:bkt/a', context })
    expect(result.decision).toBe(matches ? 'Allow' : 'ImplicitDeny')
  })
})

describe('evaluate', () => {
  it('returns ImplicitDeny with an empty trace when no policy is given', () => {
    const result = evaluate([], { action: 'oss:GetObject', resource: 'acs:oss:*:1:bkt/a' })
    expect(result).toEqual({ layer: 'identity', decision: 'ImplicitDeny', statements: [] })
  })

  it('traces every statement of every policy, in order, with Sid and pointer', () => {
    const a = parsePolicy({ Version: '1', Statement: [{ Sid: 'A', Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] }, { name: 'a.json' })
    const b = parsePolicy({ Version: '1', Statement: [{ Effect: 'Deny', Action: 'oss:PutObject', Resource: '*' }] }, { name: 'b.json' })
    const result = evaluate([a, b], { action: 'oss:GetObject', resource: 'acs:oss:*:1:bkt/a' })
    expect(result.statements).toEqual([
      { policy: 'a.json', index: 0, pointer: '/Statement/0', sid: 'A', effect: 'Allow', matched: true },
      { policy: 'b.json', index: 0, pointer: '/Statement/0', effect: 'Deny', matched: false, reason: 'action' },
    ])
  })
})
