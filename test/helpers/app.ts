import { Writable } from 'node:stream'
import { join } from 'node:path'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { Express } from 'express'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { createApp } from '../../src/http/app.js'
import type { AppDeps } from '../../src/http/deps.js'
import { createLogger } from '../../src/http/logger.js'
import { buildDeps } from '../../src/serve.js'
import type { RunningSandboxSts } from '../../src/sandbox/sts-server.js'
import type { RunningSandboxOss } from '../../src/sandbox/oss-server.js'
import { ROOT } from './vectors.js'

/** Every log line any test app wrote, for the secrets scan. */
export const capturedLogs: string[] = []

export function captureStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      capturedLogs.push(chunk.toString('utf8'))
      done()
    },
  })
}

export interface TestApp {
  readonly app: Express
  readonly deps: AppDeps
  readonly sts: RunningSandboxSts
  readonly oss: RunningSandboxOss
  readonly config: Config
  /** Milliseconds added to the real clock (move time forward). */
  advance(ms: number): void
  close(): Promise<void>
}

export type ConfigPatch = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] }

/**
 * The real app, in sandbox mode, with its own sandbox STS on loopback (so the real SDK signs real
 * requests), fast password hashing, an empty users file, and logs captured in memory.
 */
export async function buildTestApp(patch: ConfigPatch = {}, env: Record<string, string> = {}): Promise<TestApp> {
  const base = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-test-'))
  const config = {
    ...base,
    mode: 'sandbox',
    ...patch,
    server: { ...base.server, ...patch.server },
    auth: { ...base.auth, scryptLog2N: 10, usersFile: join(dir, 'users.json'), ...patch.auth },
    sts: { ...base.sts, ...patch.sts },
    sign: { ...base.sign, ...patch.sign },
    sandbox: { ...base.sandbox, dataDir: join(dir, 'sandbox'), ...patch.sandbox },
    store: { ...base.store, dataDir: join(dir, 'data'), ...patch.store },
  } as Config
  let offset = 0
  const clock = () => new Date(Date.now() + offset)
  const logger = createLogger(captureStream(), 'debug')
  const built = await buildDeps({ config, env: { OSSVEND_JWT_SECRET: 'test-secret-test-secret-test-secret!', ...env }, logger, clock })
  const { deps, sandboxSts, sandboxOss } = built
  return {
    app: createApp(deps),
    deps,
    sts: sandboxSts as RunningSandboxSts,
    oss: sandboxOss as RunningSandboxOss,
    config,
    advance: (ms) => {
      offset += ms
    },
    // The sandbox listeners and the shared store (Redis), when there is one.
    close: () => built.close(),
  }
}

export const DEMO = {
  alice: { username: 'alice', password: 'alice-sandbox-password' },
  bob: { username: 'bob', password: 'bob-sandbox-password' },
} as const
