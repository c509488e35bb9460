import { afterAll, describe, expect, it } from 'vitest'
import { startServerProcess, writeTestConfig, type ServerProcess } from '../helpers/process.js'

const running: ServerProcess[] = []
afterAll(() => {
  for (const p of running) p.child.kill('SIGKILL')
})

describe('start-up refuses a trust-every-proxy configuration', () => {
  it('exits 78 with one line naming server.trustProxy when it is true', async () => {
    const err = await startServerProcess(writeTestConfig({ server: { host: '127.0.0.1', port: 0, trustProxy: true } })).then(
      (p) => { running.push(p); return undefined },
      (e: Error) => e,
    )
    expect(err?.message).toMatch(/^server exited with 78: ossvend: /)
    expect(err?.message).toMatch(/\/server\/trustProxy config\.trust-proxy: server\.trustProxy must be a hop count/)
    expect(err?.message).not.toMatch(/\n\s+at /)
  })
})
