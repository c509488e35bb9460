import {
  ConfigInvalidError,
  OperationInvalidError,
  PolicyInvalidError,
  PolicyProbeFailedError,
  SessionPolicyTooLargeError,
  TemplateInvalidError,
  TemplateValueError,
  ClaimUnusableError,
  ScopeForbiddenError,
  type Issue,
} from '../errors.js'
import { readFileSync } from 'node:fs'
import { EXIT, UsageError, type CliIo } from './io.js'
import { MATRIX_USAGE, matrixCommand } from './matrix.js'
import { RENDER_USAGE, renderCommand } from './render.js'
import { SIMULATE_USAGE, simulateCommand } from './simulate.js'
import { VALIDATE_USAGE, validateCommand } from './validate.js'
import { USERS_USAGE, usersCommand } from './users.js'
import { PROVIDERS_USAGE, providersCommand } from './providers.js'
import { SERVE_USAGE } from './serve-usage.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

type Command = (argv: readonly string[], io: CliIo) => Promise<number>

const COMMANDS: Readonly<Record<string, { run: Command; usage: string }>> = {
  simulate: { run: simulateCommand, usage: SIMULATE_USAGE },
  matrix: { run: matrixCommand, usage: MATRIX_USAGE },
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  render: { run: renderCommand, usage: RENDER_USAGE },
  users: { run: usersCommand, usage: USERS_USAGE },
  providers: { run: providersCommand, usage: PROVIDERS_USAGE },
  serve: {
    // Loaded on demand: the other commands never load the server.
    run: async (argv, io) => (await import('./serve.js')).serveCommand(argv, io),
    usage: SERVE_USAGE,
  },
}

const USAGE = `usage: ossvend <command> [options]

${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n')}

ossvend --version           the installed version
ossvend <command> --help    one command's usage
`

/** The package's version, from its package.json (two folders up from src/cli and dist/cli alike). */
export function packageVersion(): string {
  return (parseJsonOrThrow(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

/** Runs the CLI in-process and returns the exit code; it never calls process.exit. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    io.stderr(USAGE)
    return EXIT.usage
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE)
    return EXIT.ok
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(`${packageVersion()}\n`)
    return EXIT.ok
  }
  const command = COMMANDS[name]
  if (!command) {
    io.stderr(`ossvend: unknown command "${name}"\n${USAGE}`)
    return EXIT.usage
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`usage: ${command.usage}\n`)
    return EXIT.ok
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    return report(err, io, command.usage)
  }
}

function report(err: unknown, io: CliIo, usage: string): number {
  const issues = (list: readonly Issue[]) => list.map((i) => `  ${i.pointer || '/'} ${i.code}: ${i.message}\n`).join('')
  if (err instanceof UsageError) {
    io.stderr(`ossvend: ${err.message}\nusage: ${usage}\n`)
    return EXIT.usage
  }
  if (err instanceof PolicyInvalidError || err instanceof TemplateInvalidError) {
    io.stderr(`ossvend: ${err.message} [${err.code}]\n${issues(err.issues)}`)
    return EXIT.badInput
  }
  if (err instanceof PolicyProbeFailedError) {
    io.stderr(`ossvend: ${err.message} [${err.code}]\n${err.violations.map((v) => `  ${v.code}: ${v.message}\n`).join('')}`)
    return EXIT.badInput
  }
  if (err instanceof TemplateValueError || err instanceof SessionPolicyTooLargeError || err instanceof OperationInvalidError || err instanceof ClaimUnusableError || err instanceof ScopeForbiddenError) {
    io.stderr(`ossvend: ${err.message} [${err.code}]\n`)
    return EXIT.badInput
  }
  if (err instanceof ConfigInvalidError) {
    io.stderr(`ossvend: ${err.message} [${err.code}]\n${issues(err.issues)}`)
    return EXIT.config
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    io.stderr(`ossvend: cannot read ${(err as NodeJS.ErrnoException).path ?? 'file'}: ${code}\n`)
    return EXIT.noInput
  }
  throw err
}
