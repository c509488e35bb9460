import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { run } from './cli/main.js'
import { createLogger } from './http/logger.js'

/**
 * The process entry of `npm start` (and `node dist/main.js [CONFIG]`): `ossvend serve`, except that
 * with no file named anywhere it reads `config.json` from the working directory when there is one,
 * as `npm start` always has. `ossvend serve` itself never picks up a stray config.json from an
 * app's folder: without a file it runs on the built-in sandbox defaults.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.on('unhandledRejection', (err) => createLogger().error({ err }, 'unhandled rejection'))
  const named = argv.some((a) => !a.startsWith('-') || a.startsWith('--config')) || Boolean(process.env.OSSVEND_CONFIG)
  const wantsHelp = argv.includes('--help') || argv.includes('-h')
  const args = !named && !wantsHelp && existsSync('config.json') ? ['config.json', ...argv] : [...argv]
  const code = await run(['serve', ...args], {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  })
  process.exit(code)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main()
