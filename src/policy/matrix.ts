import type { PolicyLayers } from './authorize.js'
import { authorizeOperation, type OperationDecision, type OperationParams } from './operations.js'
import type { DecisionValue } from './trace.js'

/** The seven operations of the seed's permission tables (chapter 3.1), for a given user. */
export const SEED_MATRIX_ROWS = [
  { id: 'list-buckets', label: 'List buckets', operation: 'ListBuckets' },
  { id: 'put-root', label: 'Upload test.txt', operation: 'PutObject', key: 'test.txt' },
  { id: 'get-root', label: 'Download test.txt', operation: 'GetObject', key: 'test.txt' },
  { id: 'put-user', label: 'Upload USER/test.txt', operation: 'PutObject', key: 'USER/test.txt' },
  { id: 'get-user', label: 'Download USER/test.txt', operation: 'GetObject', key: 'USER/test.txt' },
  { id: 'list-root', label: 'List without prefix', operation: 'ListObjects' },
  { id: 'list-user', label: 'List with prefix USER/', operation: 'ListObjects', prefix: 'USER/' },
] as const

export type MatrixRowId = (typeof SEED_MATRIX_ROWS)[number]['id']

export interface MatrixTarget {
  readonly bucket: string
  readonly user: string
  readonly account?: string
}

export interface MatrixCell {
  readonly id: MatrixRowId
  readonly label: string
  readonly decision: DecisionValue
  /** The seed's wording: Successful or Failed. */
  readonly result: 'Successful' | 'Failed'
  readonly detail: OperationDecision
}

/** Decides the seed's seven operations for one policy set; `USER` in keys becomes the user. */
export function buildSeedMatrix(layers: PolicyLayers, target: MatrixTarget): MatrixCell[] {
  return SEED_MATRIX_ROWS.map((row) => {
    const params: OperationParams = {
      bucket: target.bucket,
      account: target.account ?? '*',
      ...('key' in row ? { key: row.key.replace('USER', target.user) } : {}),
      ...('prefix' in row ? { prefix: row.prefix.replace('USER', target.user) } : {}),
    }
    const detail = authorizeOperation(layers, row.operation, params)
    return {
      id: row.id,
      label: row.label.replace('USER', target.user),
      decision: detail.decision,
      result: detail.decision === 'Allow' ? 'Successful' : 'Failed',
      detail,
    }
  })
}
