import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/vectors.js'

const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.startsWith('src/') && f.endsWith('.ts'))

describe('source files', () => {
  it('are plain ASCII, so no look-alike character hides in signing or policy code', () => {
    expect(tracked.length).toBeGreaterThan(10)
    const offenders = tracked.filter((f) => /[^\t\n\r -~]/.test(readFileSync(join(ROOT, f), 'utf8')))
    expect(offenders).toEqual([])
  })

  it('keep express out of the pure core, and the clock and I/O out of policy/', () => {
    for (const f of tracked.filter((f) => f.startsWith('src/policy/') || f.startsWith('src/oss/'))) {
      const source = readFileSync(join(ROOT, f), 'utf8')
      expect(source, f).not.toMatch(/from 'express'/)
      expect(source, f).not.toMatch(/Date\.now\(\)|new Date\(\)/)
      if (f !== 'src/policy/load.ts') expect(source, f).not.toMatch(/from 'node:fs/)
    }
  })
})
