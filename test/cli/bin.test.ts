import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/vectors.js'

const exec = promisify(execFile)

describe('npx ossvend (a real process from the checkout)', () => {
  it('runs matrix through the package bin', async () => {
    const { stdout } = await exec('npx', ['--no-install', 'ossvend', 'matrix', '--policy', 'policies/seed/p3-read-only-prefix.json', '--json'], { cwd: ROOT })
    const cells = JSON.parse(stdout) as { id: string; decision: string }[]
    expect(cells.map((c) => c.decision)).toEqual(['ImplicitDeny', 'ImplicitDeny', 'ImplicitDeny', 'ImplicitDeny', 'Allow', 'Allow', 'Allow'])
  })

  it('sets the exit code: validate of an invalid file exits 1', async () => {
    await expect(exec('npx', ['--no-install', 'ossvend', 'validate', 'test/fixtures/seed-text/p6-read-write.txt'], { cwd: ROOT })).rejects.toMatchObject({ code: 1 })
  })
})
