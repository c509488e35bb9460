import { run } from '../../src/cli/main.js'
import { ROOT } from './vectors.js'

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI in-process from the repository root, capturing its output. */
export async function runCli(argv: string[], cwd = ROOT): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd })
  return { code, stdout, stderr }
}
