import { loadConfig } from '../config/load.js'
import { loadTemplateFile } from '../policy/load.js'
import { renderSessionPolicy } from '../policy/render.js'
import { parseCommandArgs, requireOption } from './args.js'
import { EXIT, UsageError, type CliIo } from './io.js'
import { resolve } from 'node:path'
import { parseJsonOrThrow } from '../lib/parse-json.js'

export const RENDER_USAGE = 'ossvend render --scope NAME --user ID [--config FILE] [--json]'

/** Prints the session policy a user would get for a scope, its size, hash and probe result. */
export async function renderCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    scope: { type: 'string' },
    user: { type: 'string' },
    config: { type: 'string', default: 'config.json' },
    json: { type: 'boolean', default: false },
  })
  const scope = requireOption(values.scope, 'scope')
  const user = requireOption(values.user, 'user')
  const config = await loadConfig({ path: resolve(io.cwd, values.config), env: {} })
  const templatePath = config.policies.scopes[scope]
  if (templatePath === undefined) {
    throw new UsageError(`unknown scope "${scope}"; config.json defines: ${Object.keys(config.policies.scopes).join(', ')}`)
  }
  const template = await loadTemplateFile(templatePath)
  const rendered = renderSessionPolicy(template, { user, bucket: config.oss.bucket, account: config.oss.account })
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        scope,
        user,
        prefix: rendered.prefix,
        size: rendered.size,
        limit: 2048,
        hash: rendered.hash,
        policy: parseJsonOrThrow(rendered.text) as unknown,
        probe: rendered.probe,
      })}\n`,
    )
    return EXIT.ok
  }
  io.stdout(`${JSON.stringify(parseJsonOrThrow(rendered.text), null, 2)}\n`)
  io.stdout(
    `scope ${scope}, user ${user}, prefix ${rendered.prefix}: ${rendered.size} of 2048 characters, sha256 ${rendered.hash}\n` +
      `probe: ${rendered.probe.probes} requests outside the prefix denied; allowed inside: ${rendered.probe.allowedInside.join(', ') || 'nothing'}\n`,
  )
  return EXIT.ok
}
