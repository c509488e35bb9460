import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadConfigWithCredentials } from './config/load.js'
import { ConfigInvalidError } from './errors.js'
import { createLogger } from './http/logger.js'
import { startServer } from './serve.js'

/**
 * The process entry (`npm start`, `ossvend serve`): the only place that reads process.env,
 * listens, and exits. Prints one line per listener for clients and checks to read.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const configPath = resolve(argv[0] ?? process.env.OSSVEND_CONFIG ?? 'config.json')
  const logger = createLogger()
  let loaded
  try {
    loaded = await loadConfigWithCredentials({ path: configPath, env: process.env })
  } catch (err) {
    if (err instanceof ConfigInvalidError) {
      process.stderr.write(`ossvend: ${err.message}\n${err.issues.map((i) => `  ${i.pointer || '/'} ${i.code}: ${i.message}\n`).join('')}`)
      process.exit(78)
    }
    throw err
  }
  for (const warning of loaded.config.warnings) logger.warn(warning)
  let running
  try {
    running = await startServer({ config: loaded.config, env: process.env, logger, ...(loaded.legacyCredentials ? { legacyCredentials: loaded.legacyCredentials } : {}) })
  } catch (err) {
    // A setting that only fails when used (an identity provider's key file): the same report.
    if (err instanceof ConfigInvalidError) {
      process.stderr.write(`ossvend: ${err.message}\n${err.issues.map((i) => `  ${i.pointer || '/'} ${i.code}: ${i.message}\n`).join('')}`)
      process.exit(78)
    }
    throw err
  }
  process.stdout.write(`ossvend listening on ${running.url}\n`)
  if (running.sandboxSts) process.stdout.write(`sandbox sts on ${running.sandboxSts.url}\n`)
  if (running.sandboxOss) process.stdout.write(`sandbox oss on ${running.sandboxOss.url}\n`)
  if (running.sandboxOss) process.stdout.write(`sandbox control token ${running.sandboxOss.controlToken}\n`)

  let signals = 0
  const shutdown = (signal: string) => {
    signals++
    if (signals > 1) process.exit(1)
    logger.info({ signal }, 'shutting down: draining in-flight requests')
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'))
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main()
