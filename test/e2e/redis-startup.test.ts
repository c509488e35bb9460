import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeTestConfig } from '../helpers/process.js'
import { ROOT } from '../helpers/vectors.js'

const BIN = join(ROOT, 'dist', 'cli', 'bin.js')
const SECRET = 'redis-startup-secret-redis-startup-secret'

/** `ossvend serve CONFIG` as a process; what it printed and how it ended. */
function serve(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'ossvend-redis-'))
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', writeTestConfig()], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: '0', OSSVEND_JWT_SECRET: SECRET, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

function listen(onConnection: (socket: Socket) => void = () => undefined): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(onConnection)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}
const portOf = (server: Server) => (server.address() as { port: number }).port

describe('start-up with a Redis that does not answer', () => {
  it('nothing listening: exit 69, one line naming store.redisUrl without the password, no listener opened', { timeout: 60_000 }, async () => {
    // A port that was free a moment ago: connections to it are refused.
    const probe = await listen()
    const port = portOf(probe)
    await new Promise((r) => probe.close(r))
    const ran = await serve({ REDIS_URL: `redis://ossvend:hunter2-redis-password@127.0.0.1:${port}/0` })
    expect(ran.code).toBe(69)
    expect(ran.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^ossvend: store\\.redisUrl \\(REDIS_URL\\): redis://127\\.0\\.0\\.1:${port}/0 did not answer within \\d+ s \\(ECONNREFUSED\\)$`))])
    expect(ran.stderr + ran.stdout).not.toContain('hunter2')
    // Not one listener line: nothing was opened before the store.
    expect(ran.stdout).not.toMatch(/listening on|sandbox (sts|oss) on/)
  })

  it('a host that takes connections and never answers: exit 69 after the bounded wait', { timeout: 60_000 }, async () => {
    const silent: Socket[] = []
    const server = await listen((socket) => silent.push(socket))
    try {
      const ran = await serve({ REDIS_URL: `redis://127.0.0.1:${portOf(server)}` })
      expect(ran.code).toBe(69)
      expect(ran.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^ossvend: store\.redisUrl \(REDIS_URL\): redis:\/\/127\.0\.0\.1:\d+ did not answer within \d+ s/)])
      expect(ran.stderr).not.toMatch(/\n\s+at /)
      expect(silent.length).toBeGreaterThan(1)
    } finally {
      for (const socket of silent) socket.destroy()
      server.close()
    }
  })
})
