import { mkdtempSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { createLogger } from '../../src/http/logger.js'
import { startServer } from '../../src/serve.js'
import { captureStream } from '../helpers/app.js'
import { ROOT } from '../helpers/vectors.js'

function listenOn(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
const portOf = (server: Server) => (server.address() as { port: number }).port
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))

/** Two ports that were free a moment ago, for the sandbox listeners to take. */
async function freePorts(): Promise<[number, number]> {
  const a = await listenOn()
  const b = await listenOn()
  const ports: [number, number] = [portOf(a), portOf(b)]
  await Promise.all([close(a), close(b)])
  return ports
}

describe('startServer when ossvend cannot listen', () => {
  it('rejects with EADDRINUSE and closes the sandbox listeners it had opened', async () => {
    const taken = await listenOn()
    const [stsPort, ossPort] = await freePorts()
    const base = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-startup-'))
    const config = {
      ...base,
      mode: 'sandbox',
      server: { ...base.server, port: portOf(taken) },
      auth: { ...base.auth, scryptLog2N: 10, usersFile: join(dir, 'users.json') },
      sandbox: { ...base.sandbox, dataDir: join(dir, 'sandbox'), stsPort, ossPort },
    } as Config
    try {
      const err = await startServer({ config, env: {}, logger: createLogger(captureStream(), 'silent') }).then(() => undefined, (e: unknown) => e)
      expect(err).toMatchObject({ code: 'EADDRINUSE' })
      // Both sandbox ports are free again: nothing was left listening.
      const again = await Promise.all([listenOn(stsPort), listenOn(ossPort)])
      await Promise.all(again.map(close))
    } finally {
      await close(taken)
    }
  })
})
