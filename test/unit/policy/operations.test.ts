import { describe, expect, it } from 'vitest'
import { OperationInvalidError } from '../../../src/errors.js'
import { authorizeOperation, operationChecks, type OperationParams } from '../../../src/policy/operations.js'
import { parsePolicy } from '../../../src/policy/parse.js'
import { loadVectorFile } from '../../helpers/vectors.js'

interface OperationCase {
  name: string
  operation: string
  params: OperationParams
  expected?: { action: string; resource: string; role: string; context?: Record<string, string> }[]
  error?: string
}

const vectors = loadVectorFile<OperationCase>('policy/operations.json')

describe(vectors.file, () => {
  it.each(vectors.cases)('$name', ({ operation, params, expected, error }) => {
    if (error) {
      expect(() => operationChecks(operation, params)).toThrow(expect.objectContaining({ code: error }))
      return
    }
    const checks = operationChecks(operation, params)
    expect(checks.map(({ action, resource, role }) => ({ action, resource, role }))).toEqual(
      (expected ?? []).map(({ action, resource, role }) => ({ action, resource, role })),
    )
    ;(expected ?? []).forEach((want, i) => {
      if (want.context) expect(checks[i]?.context).toMatchObject(want.context)
    })
  })
})

describe('authorizeOperation', () => {
  const userPolicy = parsePolicy({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject'], Resource: 'acs:oss:*:*:bkt/u1/*' },
    ],
  })

  it('allows CopyObject only when both the source read and the target write are allowed', () => {
    const within = authorizeOperation({ identity: [userPolicy] }, 'CopyObject', { bucket: 'bkt', sourceKey: 'u1/a', key: 'u1/b' })
    expect(within.decision).toBe('Allow')
    const fromOther = authorizeOperation({ identity: [userPolicy] }, 'CopyObject', { bucket: 'bkt', sourceKey: 'u2/a', key: 'u1/b' })
    expect(fromOther.decision).toBe('ImplicitDeny')
    expect(fromOther.checks.map((c) => [c.check.role, c.result.decision])).toEqual([
      ['source', 'ImplicitDeny'],
      ['target', 'Allow'],
    ])
  })

  it('denies a batch delete when any one key is outside the grant', () => {
    const result = authorizeOperation({ identity: [userPolicy] }, 'DeleteMultipleObjects', { bucket: 'bkt', keys: ['u1/a', 'u2/b'] })
    expect(result.decision).toBe('ImplicitDeny')
    expect(result.checks.map((c) => c.result.decision)).toEqual(['Allow', 'ImplicitDeny'])
  })

  it('prefers ExplicitDeny over ImplicitDeny across checks', () => {
    const deny = parsePolicy({ Version: '1', Statement: [{ Effect: 'Deny', Action: 'oss:DeleteObject', Resource: 'acs:oss:*:*:bkt/u1/locked' }] })
    const result = authorizeOperation({ identity: [userPolicy, deny] }, 'DeleteMultipleObjects', { bucket: 'bkt', keys: ['u9/x', 'u1/locked'] })
    expect(result.decision).toBe('ExplicitDeny')
  })

  it('reports the canonical operation name', () => {
    expect(authorizeOperation({ identity: [userPolicy] }, 'getobject', { bucket: 'bkt', key: 'u1/a' }).operation).toBe('GetObject')
  })

  it('raises OperationInvalidError for an unknown operation', () => {
    expect(() => authorizeOperation({}, 'Teleport', { bucket: 'b' })).toThrow(OperationInvalidError)
  })
})
