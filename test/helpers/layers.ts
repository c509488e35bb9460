import type { PolicyLayers } from '../../src/policy/authorize.js'
import type { PrincipalInfo } from '../../src/policy/evaluate.js'
import { parsePolicy } from '../../src/policy/parse.js'

export interface LayersInput {
  readonly session?: unknown[]
  readonly identity?: unknown[]
  readonly bucket?: unknown[]
  readonly acl?: PolicyLayers['acl']
  readonly principal?: PrincipalInfo
}

/** Parses vector documents into layers; each policy is named `<layer>:<index>` for traces. */
export function buildLayers(input: LayersInput): PolicyLayers {
  const parse = (docs: unknown[] | undefined, layer: 'session' | 'identity' | 'bucket') =>
    docs?.map((doc, i) => parsePolicy(doc, { name: `${layer}:${i}`, kind: layer === 'bucket' ? 'bucket' : 'identity' }))
  const session = parse(input.session, 'session')
  const identity = parse(input.identity, 'identity')
  const bucket = parse(input.bucket, 'bucket')
  return {
    ...(session ? { session } : {}),
    ...(identity ? { identity } : {}),
    ...(bucket ? { bucket } : {}),
    ...(input.acl ? { acl: input.acl } : {}),
    ...(input.principal ? { principal: input.principal } : {}),
  }
}
