import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './io.js'

type Options = NonNullable<ParseArgsConfig['options']>

/** `node:util` parseArgs in strict mode, with its errors turned into usage errors. */
export function parseCommandArgs<O extends Options>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export function requireOption(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`)
  return value
}

/** `--context KEY=VALUE` repeated; a key given twice holds both values. */
export function parseContextPairs(pairs: readonly string[] | undefined): Record<string, string[]> {
  const context: Record<string, string[]> = {}
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--context takes KEY=VALUE; got "${pair}"`)
    const key = pair.slice(0, eq)
    ;(context[key] ??= []).push(pair.slice(eq + 1))
  }
  return context
}
