import { mkdtempSync } from 'node:fs'
import { IncomingMessage, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { createLogger } from '../../src/http/logger.js'
import { startServer, type RunningServer } from '../../src/serve.js'
import { captureStream } from '../helpers/app.js'
import { ROOT } from '../helpers/vectors.js'

let server: RunningServer

beforeAll(async () => {
  const base = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-timeouts-'))
  const config = { ...base, mode: 'sandbox', server: { ...base.server, port: 0 }, auth: { ...base.auth, scryptLog2N: 10, usersFile: join(dir, 'users.json') }, sandbox: { ...base.sandbox, dataDir: join(dir, 'sandbox') }, store: { ...base.store, dataDir: join(dir, 'data') } } as Config
  server = await startServer({ config, env: {}, logger: createLogger(captureStream(), 'warn') })
})
afterAll(() => server.close())

describe('the server', () => {
  it('makes requests and responses with the app prototypes from the start (express then has none to change)', async () => {
    const seen: string[] = []
    const spy = (req: IncomingMessage, res: ServerResponse) => seen.push(Object.getPrototypeOf(req) === IncomingMessage.prototype ? 'node' : 'app', Object.getPrototypeOf(res) === ServerResponse.prototype ? 'node' : 'app')
    server.server.prependListener('request', spy)
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    } finally {
      server.server.off('request', spy)
    }
    expect(seen).toEqual(['app', 'app'])
  })
})

describe('the documented HTTP timeouts hold', () => {
  it('closes a connection that trickles its headers once headersTimeout (10 s) has passed, not 30 s later', async () => {
    const { hostname, port } = new URL(server.url)
    const socket = connect(Number(port), hostname)
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    const opened = Date.now()
    let answer = ''
    socket.on('data', (d: Buffer) => (answer += d.toString()))
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)))
    socket.on('error', () => undefined)
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n')
    // One header byte every 400 ms: each byte is on time, the headers as a whole never are.
    const trickle = setInterval(() => socket.writable && socket.write('X'), 400)
    const elapsed = await closed
    clearInterval(trickle)
    // headersTimeout + the 1 s checking interval, plus scheduling slack; Node's default waits up to 30 s more.
    expect(elapsed).toBeGreaterThanOrEqual(9_500)
    expect(elapsed).toBeLessThan(13_500)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
  }, 30_000)
})
