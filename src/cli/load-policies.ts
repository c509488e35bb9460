import { relative, resolve } from 'node:path'
import { loadPolicyFile } from '../policy/load.js'
import type { Policy, PolicyKind } from '../policy/types.js'
import type { CliIo } from './io.js'

export async function loadPolicies(
  io: CliIo,
  files: readonly string[] | undefined,
  kind: PolicyKind = 'identity',
): Promise<Policy[] | undefined> {
  if (!files || files.length === 0) return undefined
  return Promise.all(
    files.map((file) => {
      const path = resolve(io.cwd, file)
      return loadPolicyFile(path, kind, relative(io.cwd, path) || path)
    }),
  )
}
