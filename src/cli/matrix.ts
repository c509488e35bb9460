import { buildSeedMatrix } from '../policy/matrix.js'
import { parseCommandArgs, requireOption } from './args.js'
import { EXIT, type CliIo } from './io.js'
import { loadPolicies } from './load-policies.js'

export const MATRIX_USAGE = 'ossvend matrix --policy FILE [--policy FILE...] [--role-policy FILE...] [--user ID] [--bucket B] [--json]'

/** The seed's seven-operation table (chapter 3.1) for a policy. */
export async function matrixCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    policy: { type: 'string', multiple: true },
    'role-policy': { type: 'string', multiple: true },
    user: { type: 'string', default: 'user1' },
    bucket: { type: 'string', default: 'app-base-oss' },
    account: { type: 'string', default: '*' },
    json: { type: 'boolean', default: false },
  })
  requireOption(values.policy?.[0], 'policy')
  const session = await loadPolicies(io, values.policy)
  const role = await loadPolicies(io, values['role-policy'])
  const layers = role ? { session, identity: role } : { identity: session }
  const cells = buildSeedMatrix(layers, { bucket: values.bucket, user: values.user, account: values.account })
  if (values.json) {
    io.stdout(`${JSON.stringify(cells.map(({ id, label, decision, result }) => ({ id, label, decision, result })))}\n`)
    return EXIT.ok
  }
  const width = Math.max(...cells.map((c) => c.label.length))
  const lines = [`${'Operation'.padEnd(width)}  Result      Decision`]
  for (const cell of cells) lines.push(`${cell.label.padEnd(width)}  ${cell.result.padEnd(10)}  ${cell.decision}`)
  io.stdout(`${lines.join('\n')}\n`)
  return EXIT.ok
}
