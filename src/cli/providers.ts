import { resolve } from 'node:path'
import { ProviderFetchError } from '../auth/bounded-fetch.js'
import { createProviders } from '../auth/provider-factory.js'
import { loadConfig } from '../config/load.js'
import { systemClock } from '../lib/clock.js'
import { parseCommandArgs } from './args.js'
import { EXIT, UsageError, type CliIo } from './io.js'

export const PROVIDERS_USAGE = 'ossvend providers check [--json] [--config FILE]'

/**
 * `providers check`: for each identity provider in config.json, fetches its discovery document
 * (when its keys come from there) and its key set, with the same limits the server applies, and
 * says what it found. Exit 0 when every provider answered usable keys, 1 otherwise.
 */
export async function providersCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'check') throw new UsageError('the providers command has one subcommand: check')
  const { values } = parseCommandArgs(rest, { json: { type: 'boolean', default: false }, config: { type: 'string', default: 'config.json' } })
  const config = await loadConfig({ path: resolve(io.cwd, values.config), env: {} })
  const providers = await createProviders(config, { clock: systemClock, clockToleranceSec: config.auth.clockToleranceSec, maxLifetimeSec: 86400 })
  if (providers.length === 0) {
    io.stdout(values.json ? '{"providers":[]}\n' : 'no identity providers are configured (auth.providers)\n')
    return EXIT.ok
  }
  const results = []
  for (const provider of providers) {
    try {
      results.push({ ok: true as const, ...(await provider.check()) })
    } catch (err) {
      const reason = err instanceof ProviderFetchError ? err.reason : 'unreachable'
      results.push({ ok: false as const, name: provider.name, issuer: provider.issuer, reason, message: (err as Error).message })
    }
  }
  if (values.json) io.stdout(`${JSON.stringify({ providers: results })}\n`)
  else {
    for (const r of results) {
      if (r.ok) {
        const from = r.jwksUrl ? `${r.discovered ? 'discovered ' : ''}${r.jwksUrl}` : 'publicKeys'
        io.stdout(`${r.name}: ok  issuer ${r.issuer}  keys ${r.keys} (${r.kids.join(', ') || 'no kid'}) from ${from}${r.maxAgeSec ? `  max age ${r.maxAgeSec}s` : ''}\n`)
      } else {
        io.stdout(`${r.name}: FAILED  issuer ${r.issuer}  ${r.reason}: ${r.message}\n`)
      }
    }
  }
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.invalid
}
