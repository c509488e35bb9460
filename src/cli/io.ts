/** Where a CLI run writes, and where it resolves relative paths; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly cwd: string
  /** All of standard input, for secrets that must not appear in argv (`users add --password-stdin`). */
  readonly readStdin?: () => Promise<string>
  /** The environment (`serve`: OSSVEND_CONFIG, PORT, secrets); none by default. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Ends the process (`serve`, after shutdown); absent in tests, where the exit code is returned. */
  readonly exit?: (code: number) => void
}

/** Exit codes (sysexits-style where one fits). */
export const EXIT = {
  ok: 0,
  /** `validate`: at least one file is invalid. */
  invalid: 1,
  /** A policy, template, value or operation given to the command is invalid. */
  badInput: 2,
  usage: 64,
  noInput: 66,
  /** A dependency is unavailable at start-up (a port in use). */
  unavailable: 69,
  /** An unexpected failure (a bug). */
  software: 70,
  config: 78,
} as const

/** A mistake in the command line itself. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
