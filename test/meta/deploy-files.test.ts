import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/vectors.js'

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(): { op: string; args: string }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ')
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/)
      return { op: op.toUpperCase(), args: rest.join(' ') }
    })
}

// CI has no Docker engine: this checks the Dockerfile's structure; it does not build the image.
describe('Dockerfile (linted, not built)', () => {
  const steps = instructions()
  const stages = steps.filter((s) => s.op === 'FROM')
  const final = steps.slice(steps.lastIndexOf(stages.at(-1) as { op: string; args: string }))

  it('uses only known instructions, and a supported Node.js image', () => {
    const known = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'VOLUME', 'EXPOSE', 'HEALTHCHECK', 'STOPSIGNAL', 'CMD', 'ARG', 'LABEL'])
    expect(steps.filter((s) => !known.has(s.op))).toEqual([])
    for (const stage of stages) expect(stage.args).toMatch(/^node:(20|22|24)[.\w-]*(\s+AS\s+\w+)?$/)
  })

  it('copies only files that exist in the repository (and the build stage output)', () => {
    for (const copy of steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))) {
      const sources = copy.args.split(/\s+/).slice(0, -1)
      for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true)
    }
  })

  it('runs the production install without dev dependencies or install scripts, as a non-root user, with a health check', () => {
    expect(final.some((s) => s.op === 'RUN' && /npm ci --omit=dev --ignore-scripts/.test(s.args))).toBe(true)
    const user = final.findIndex((s) => s.op === 'USER')
    expect(user).toBeGreaterThan(0)
    expect(final[user]?.args).not.toMatch(/^(root|0)$/)
    expect(final.findIndex((s) => s.op === 'CMD')).toBeGreaterThan(user)
    expect(final.find((s) => s.op === 'HEALTHCHECK')?.args).toMatch(/\/healthz/)
    expect(final.find((s) => s.op === 'CMD')?.args).toBe('["node", "dist/cli/bin.js", "serve"]')
    expect(final.find((s) => s.op === 'STOPSIGNAL')?.args).toBe('SIGTERM')
  })
})

describe('deploy/ossvend.service', () => {
  it('passes systemd-analyze verify', () => {
    // Throws (failing the test) on any error systemd reports for the unit.
    const out = execFileSync('systemd-analyze', ['verify', join(ROOT, 'deploy', 'ossvend.service')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    expect(out).toBe('')
  })

  it('runs the installed package\'s serve, with its data in the state directory and no restart after a configuration error', () => {
    const unit = readFileSync(join(ROOT, 'deploy', 'ossvend.service'), 'utf8')
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/ossvend\/node_modules\/ossvend\/dist\/cli\/bin\.js serve$/m)
    expect(unit).toMatch(/^StateDirectory=ossvend$/m)
    expect(unit).toMatch(/^Environment=OSSVEND_DATA_DIR=\/var\/lib\/ossvend$/m)
    expect(unit).toMatch(/^RestartPreventExitStatus=64 78$/m)
  })
})
