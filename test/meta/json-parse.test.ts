import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/vectors.js'

// Issue 12 item 1: every JSON text ossvend reads goes through src/lib/parse-json.ts, which
// refuses prototype keys, duplicate keys, deep nesting and oversize text.
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

describe('one JSON parser', () => {
  it('no source file but src/lib/parse-json.ts calls JSON.parse or express.json without the scan', () => {
    const offenders: string[] = []
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const path = relative(ROOT, file)
      if (path === join('src', 'lib', 'parse-json.ts')) continue
      const text = readFileSync(file, 'utf8')
      if (/JSON\.parse\s*\(|\.json\(\)\s*as|response\.json\(\)/.test(text)) offenders.push(`${path}: JSON.parse / Response.json`)
      for (const call of text.matchAll(/express\.json\(([^)]*)\)/g)) {
        if (!(call[1] ?? '').includes('verifyJsonBody')) offenders.push(`${path}: express.json without verifyJsonBody`)
      }
    }
    expect(offenders).toEqual([])
  })
})
