import { expect } from 'vitest'
import { capturedLogs } from './app.js'

/** Secrets seen during a test file; afterAll checks that no log line holds any of them. */
export const seenSecrets = new Set<string>()

export function rememberSecrets(...values: (string | undefined)[]): void {
  for (const v of values) if (v && v.length >= 8) seenSecrets.add(v)
}

export function expectNoSecretsLogged(): void {
  expect(capturedLogs.length).toBeGreaterThan(0)
  const all = capturedLogs.join('')
  const leaked = [...seenSecrets].filter((s) => all.includes(s))
  expect(leaked).toEqual([])
}
