import { resolve } from 'node:path'
import { loadEmbeddedConfig } from '../config/embedded.js'
import { loadConfigWithCredentials, type LoadedConfig } from '../config/load.js'
import type { Config } from '../config/types.js'
import { createLogger } from '../http/logger.js'
import { startServer, type RunningServer } from '../serve.js'
import { parseCommandArgs } from './args.js'
import { EXIT, UsageError, type CliIo } from './io.js'
import { describeStartupFailure } from './startup-failure.js'

/** Which configuration `serve` runs on: CONFIG, --config FILE, OSSVEND_CONFIG, or the built-in defaults. */
export function chooseConfigFile(argv: readonly string[], env: CliIo['env'] = {}): string | undefined {
  const { values, positionals } = parseCommandArgs(argv, { config: { type: 'string' } }, true)
  if (positionals.length > 1) throw new UsageError(`serve takes one config file; got ${positionals.length}`)
  if (positionals.length === 1 && values.config !== undefined) throw new UsageError('give the config file once: as CONFIG or as --config FILE')
  return positionals[0] ?? values.config ?? (env.OSSVEND_CONFIG || undefined)
}

/**
 * Starts the server and prints one line per listener; resolves with the exit code once a signal
 * has stopped it. Every start-up failure is one line naming the setting, with a sysexits code,
 * and leaves no listener open.
 */
export async function serveCommand(argv: readonly string[], io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const env = io.env ?? {}
  const file = chooseConfigFile(argv, env)
  let config: Config | undefined
  let running: RunningServer
  const logger = createLogger()
  try {
    const loaded: LoadedConfig = file
      ? await loadConfigWithCredentials({ path: resolve(io.cwd, file), env })
      : await loadEmbeddedConfig(env)
    config = loaded.config
    for (const warning of config.warnings) logger.warn(warning)
    running = await startServer({ config, env, logger, ...(loaded.legacyCredentials ? { legacyCredentials: loaded.legacyCredentials } : {}) })
  } catch (err) {
    const failure = describeStartupFailure(err, config)
    io.stderr(`${failure.message}\n`)
    return failure.exitCode
  }
  io.stdout(`ossvend listening on ${running.url}\n`)
  if (running.sandboxSts) io.stdout(`sandbox sts on ${running.sandboxSts.url}\n`)
  if (running.sandboxOss) io.stdout(`sandbox oss on ${running.sandboxOss.url}\n`)
  // A log line like every other after the three listener lines (scripts read those exactly).
  if (running.sandboxOss) logger.info({ event: 'sandbox-control', sandboxControlToken: running.sandboxOss.controlToken }, 'sandbox control token')

  return new Promise<number>((done) => {
    let received = 0
    const shutdown = (signal: string) => {
      received++
      // A second signal means "now": exit without waiting for in-flight requests.
      if (received > 1) return done(1)
      logger.info({ signal }, 'shutting down: draining in-flight requests')
      running.close().then(
        () => done(EXIT.ok),
        () => done(1),
      )
    }
    signals.on('SIGTERM', () => shutdown('SIGTERM'))
    signals.on('SIGINT', () => shutdown('SIGINT'))
  })
}
