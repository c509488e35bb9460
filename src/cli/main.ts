import {
  ConfigInvalidError,
  OperationInvalidError,
  PolicyInvalidError,
  PolicyProbeFailedError,
  SessionPolicyTooLargeError,
  TemplateInvalidError,
  TemplateValueError,
  type Issue,
} from '../errors.js'
import { EXIT, UsageError, type CliIo } from './io.js'
import { MATRIX_USAGE, matrixCommand } from './matrix.js'
import { RENDER_USAGE, renderCommand } from './render.js'
import { SIMULATE_USAGE, simulateCommand } from './simulate.js'
import { VALIDATE_USAGE, validateCommand } from './validate.js'
import { USERS_USAGE, usersCommand } from './users.js'
import { PROVIDERS_USAGE, providersCommand } from './providers.js'

type Command = (argv: readonly string[], io: CliIo) => Promise<number>

const COMMANDS: Readonly<Record<string, { run: Command; usage: string }>> = {
  simulate: { run: simulateCommand, usage: SIMULATE_USAGE },
  matrix: { run: matrixCommand, usage: MATRIX_USAGE },
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  render: { run: renderCommand, usage: RENDER_USAGE },
  users: { run: usersCommand, usage: USERS_USAGE },
  providers: { run: providersCommand, usage: PROVIDERS_USAGE },
  serve: {
    run: async (argv) => {
      const { main } = await import('../main.js')
      await main(argv)
      return EXIT.ok
    },
    usage: 'ossvend serve [CONFIG]   (what npm start runs)',
  },
}

const USAGE = `usage: ossvend <command> [options]

${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n')}
`

/** Runs the CLI in-process and returns the exit code; it never calls process.exit. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE)
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const command = COMMANDS[name]
  if (!command) {
    io.stderr(`ossvend: unknown command "${name}"\n${USAGE}`)
    return EXIT.usage
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
  if (err instanceof TemplateValueError || err instanceof SessionPolicyTooLargeError || err instanceof OperationInvalidError) {
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
