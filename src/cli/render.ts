import { parseJsonOrThrow } from '../lib/parse-json.js'
import { MAX_SESSION_POLICY_CHARS } from '../policy/render.js'
import { parseCommandArgs, requireOption } from './args.js'
import { EXIT, type CliIo } from './io.js'
import { formatScopeReport, renderScopeForCli } from './scope-policy.js'

export const RENDER_USAGE = 'ossvend render --scope NAME --user ID [--claim NAME=VALUE...] [--config FILE] [--json]'

/**
 * Prints the session policy a user would get for a scope (a template rendered, or path rules
 * compiled; `--user guest.ID` as a guest), its size against STS's limit, its hash and the probe
 * (for path rules, the proof's table: each rule, role and verb, the rules' answer and the policy's).
 */
export async function renderCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    scope: { type: 'string' },
    user: { type: 'string' },
    claim: { type: 'string', multiple: true },
    config: { type: 'string', default: 'config.json' },
    json: { type: 'boolean', default: false },
  })
  const scope = requireOption(values.scope, 'scope')
  const user = requireOption(values.user, 'user')
  const { rendered } = await renderScopeForCli(io, { config: values.config, scope, user, ...(values.claim ? { claims: values.claim } : {}) })
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        scope,
        user,
        prefix: rendered.prefix,
        size: rendered.size,
        limit: MAX_SESSION_POLICY_CHARS,
        hash: rendered.hash,
        policy: parseJsonOrThrow(rendered.text) as unknown,
        probe: rendered.probe,
      })}\n`,
    )
    return EXIT.ok
  }
  io.stdout(`${JSON.stringify(parseJsonOrThrow(rendered.text), null, 2)}\n`)
  io.stdout(formatScopeReport(scope, user, rendered))
  return EXIT.ok
}
