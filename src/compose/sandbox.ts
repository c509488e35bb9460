import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config/types.js'
import type { Clock } from '../lib/clock.js'
import { randomHex, randomToken } from '../lib/crypto.js'
import { loadRefererFile } from '../policy/load.js'
import type { Policy } from '../policy/types.js'
import { ObjectStore } from '../sandbox/object-store.js'
import { startSandboxOss, type RunningSandboxOss } from '../sandbox/oss-server.js'
import { StsCredentialStore } from '../sandbox/sts-credential-store.js'
import { startSandboxSts, type RunningSandboxSts } from '../sandbox/sts-server.js'
import { isSandboxController } from '../sandbox/control-auth.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'
import { sandboxDomains } from './sandbox-domains.js'

export interface SandboxRoot {
  readonly accessKeyId: string
  readonly accessKeySecret: string
}

export interface RunningSandbox {
  readonly sts: RunningSandboxSts
  readonly oss: RunningSandboxOss
  /** The account's own AccessKey: what ossvend's STS client signs with in sandbox mode. */
  readonly root: SandboxRoot
  close(): Promise<void>
}

export interface SandboxOptions {
  readonly config: Config
  readonly clock: Clock
  readonly rolePolicies: readonly Policy[]
  /** Origins that may upload from a browser (the configured ones and ossvend's own page). */
  readonly corsOrigins: () => readonly string[]
  /** Hosts upload callbacks may go to (ossvend's own and `sandbox.callbackHosts`). */
  readonly callbackHosts: () => readonly string[]
}

/** The local STS and OSS endpoints of sandbox mode; if the second cannot start, the first is closed. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const { config, clock } = options
  const dataDir = config.sandbox.dataDir
  const root = await loadSandboxRoot(dataDir)
  const referer = config.sandbox.referer ? await loadRefererFile(config.sandbox.referer) : undefined
  const callbackKey = await loadSandboxCallbackKey(dataDir)
  const objects = new ObjectStore(join(dataDir, 'oss'))
  // Every configured bucket exists, so path rules naming any of them work out of the box.
  await objects.init([...new Set([config.oss.bucket, ...Object.keys(config.oss.buckets ?? {})])])
  const sts = await startSandboxSts({
    accounts: new Map([[root.accessKeyId, { accessKeySecret: root.accessKeySecret, account: config.oss.account }]]),
    store: new StsCredentialStore(join(dataDir, 'sts-credentials.json')),
    clock,
    rateLimitPerSecond: config.sandbox.stsRateLimitPerSecond,
    maxSessionDurationSec: config.sts.maxSessionDurationSec,
    isController: (headers) => isSandboxController(headers, root),
    host: config.server.host,
    port: config.sandbox.stsPort,
  })
  let oss: RunningSandboxOss
  try {
    oss = await startSandboxOss({
      store: objects,
      credentials: sts.store,
      root,
      account: config.oss.account,
      region: config.oss.region,
      bucketAcl: config.sandbox.bucketAcl,
      rolePolicies: options.rolePolicies,
      ...(referer ? { referer } : {}),
      corsOrigins: options.corsOrigins,
      callbackHosts: options.callbackHosts,
      domains: sandboxDomains(config),
      clock,
      maxObjectBytes: config.sign.maxUploadBytes,
      callbackKey,
      host: config.server.host,
      port: config.sandbox.ossPort,
    })
  } catch (err) {
    await sts.close()
    throw err
  }
  return {
    sts,
    oss,
    root,
    async close() {
      await sts.close()
      await oss.close()
    },
  }
}

/**
 * The sandbox account's own AccessKey, made once and kept in the data folder, so that what the
 * sandbox issued and stored stays valid across restarts (and tests can act as the owner).
 */
export async function loadSandboxRoot(dataDir: string): Promise<SandboxRoot> {
  const file = join(dataDir, 'root-credentials.json')
  try {
    return parseJsonOrThrow(await readFile(file, 'utf8')) as SandboxRoot
  } catch {
    const root = { accessKeyId: `SBX${randomHex(10).toUpperCase()}`, accessKeySecret: randomToken(24) }
    await mkdir(dataDir, { recursive: true })
    await createOnce(file, JSON.stringify(root))
    return parseJsonOrThrow(await readFile(file, 'utf8')) as SandboxRoot
  }
}

/** The sandbox's RSA key for signing upload callbacks, made once and kept in the data folder. */
async function loadSandboxCallbackKey(dataDir: string): Promise<{ privateKey: KeyObject; publicKeyPem: string }> {
  const file = join(dataDir, 'callback-key.pem')
  let pem: string
  try {
    pem = await readFile(file, 'utf8')
  } catch {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    await mkdir(dataDir, { recursive: true })
    await createOnce(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
    pem = await readFile(file, 'utf8')
  }
  const privateKey = createPrivateKey(pem)
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() }
}

/**
 * Creates `file` with `content` unless it exists: written whole to a file of its own, then linked
 * into place, so instances starting together on one folder never read a half-written key, and the
 * first link wins.
 */
async function createOnce(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomHex(4)}.tmp`
  await writeFile(tmp, content, { mode: 0o600 })
  await link(tmp, file).catch(() => undefined)
  await unlink(tmp).catch(() => undefined)
}
