import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { createAuthentication } from './auth/provider-factory.js'
import { createLoginThrottle } from './auth/login-throttle.js'
import { hashPassword, verifyPassword } from './auth/password.js'
import { createUserStore, readUsersFile, type UserRecord } from './auth/user-store.js'
import type { Env } from './config/load.js'
import type { Config, LegacyCredentials } from './config/types.js'
import { loadScopes } from './grant/scopes.js'
import { createCredentialVendor } from './grant/vend.js'
import { createApp } from './http/app.js'
import type { AppDeps, HealthState } from './http/deps.js'
import { createMetrics } from './http/metrics.js'
import { memoryUserLimiter } from './http/user-rate-limit.js'
import { createPublicKeyFetcher } from './http/public-key-fetcher.js'
import { createMemoryUploadLog } from './grant/uploads.js'
import { OSS_PUBLIC_KEY_HOSTS } from './oss/callback.js'
import { systemClock, type Clock } from './lib/clock.js'
import { randomHex, randomToken } from './lib/crypto.js'
import { loadPolicyFile, loadRefererFile } from './policy/load.js'
import { ObjectStore } from './sandbox/object-store.js'
import { startSandboxOss, type RunningSandboxOss } from './sandbox/oss-server.js'
import { StsCredentialStore } from './sandbox/sts-credential-store.js'
import { startSandboxSts, type RunningSandboxSts } from './sandbox/sts-server.js'
import { createAlibabaStsClient } from './sts/alibaba-client.js'
import { createCircuitBreaker } from './sts/circuit-breaker.js'
import { createCredentialCache } from './sts/credential-cache.js'
import { defaultSleep } from './sts/retry.js'
import { connectRedis, type RedisConnection } from './store/redis-connection.js'
import { createRedisAuditStream } from './store/redis-audit.js'
import { createRedisUploadLog } from './store/redis-upload-log.js'
import { createSharedCredentialLayer } from './store/shared-credentials.js'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import type { StsClient } from './sts/types.js'

export interface StartOptions {
  readonly config: Config
  readonly env: Env
  readonly logger: Logger
  readonly clock?: Clock
  readonly legacyCredentials?: LegacyCredentials
  /** Replaces the STS client (tests). */
  readonly stsClient?: StsClient
}

export interface RunningServer {
  readonly server: Server
  readonly url: string
  readonly sandbox: 'on' | 'off'
  readonly sandboxSts?: RunningSandboxSts
  readonly sandboxOss?: RunningSandboxOss
  readonly deps: AppDeps
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes. */
  close(): Promise<void>
}

/** Sandbox when the config says so, or says `auto` and no Alibaba credentials are set. */
export function isSandbox(config: Config, env: Env, legacy?: LegacyCredentials): boolean {
  if (config.mode === 'sandbox') return true
  if (config.mode === 'cloud') return false
  return !(env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET) && !legacy
}

export interface BuiltDeps {
  readonly deps: AppDeps
  readonly sandboxSts?: RunningSandboxSts
  readonly sandboxOss?: RunningSandboxOss
  readonly redis?: RedisConnection
  /** Ends what authentication holds open (the revocation channel). */
  closeAuthentication(): Promise<void>
  setPublicUrl(url: string): void
}

export async function buildDeps(options: StartOptions): Promise<BuiltDeps> {
  const { config, env, logger } = options
  const secretText = env.OSSVEND_JWT_SECRET
  if (config.store.redisUrl && !secretText) {
    throw new TypeError('several instances sharing Redis need one OSSVEND_JWT_SECRET (tokens and shared credentials are bound to it)')
  }
  const redis = config.store.redisUrl ? await connectRedis(config.store.redisUrl, logger) : undefined
  const clock = options.clock ?? systemClock
  const sandbox = isSandbox(config, env, options.legacyCredentials)
  const metrics = createMetrics({ defaultMetrics: true })

  let sandboxSts: RunningSandboxSts | undefined
  let stsClient = options.stsClient
  if (!stsClient) {
    if (sandbox) {
      const root = await loadSandboxRoot(config.sandbox.dataDir)
      const rootKeyId = root.accessKeyId
      const rootSecret = root.accessKeySecret
      sandboxSts = await startSandboxSts({
        accounts: new Map([[rootKeyId, { accessKeySecret: rootSecret, account: config.oss.account }]]),
        store: new StsCredentialStore(join(config.sandbox.dataDir, 'sts-credentials.json')),
        clock,
        rateLimitPerSecond: config.sandbox.stsRateLimitPerSecond,
        host: config.server.host,
        port: config.sandbox.stsPort,
      })
      stsClient = createAlibabaStsClient({ endpoint: sandboxSts.url, credentials: { accessKeyId: rootKeyId, accessKeySecret: rootSecret }, timeoutMs: config.sts.attemptTimeoutMs })
    } else {
      const fromEnv = env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET
        ? { accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID, accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET, ...(env.ALIBABA_CLOUD_SECURITY_TOKEN ? { securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN } : {}) }
        : options.legacyCredentials
      stsClient = createAlibabaStsClient({
        ...(config.sts.endpoint ? { endpoint: config.sts.endpoint } : {}),
        regionId: config.oss.region,
        ...(fromEnv ? { credentials: fromEnv } : {}),
        timeoutMs: config.sts.attemptTimeoutMs,
      })
    }
  }

  const scopes = await loadScopes(config)
  const rolePolicies = await Promise.all(config.policies.rolePolicies.map((p) => loadPolicyFile(p)))
  const publicUrl = { value: `http://${config.server.host}:${config.server.port}` }
  let sandboxOss: RunningSandboxOss | undefined
  if (sandboxSts) {
    const store = new ObjectStore(join(config.sandbox.dataDir, 'oss'))
    await store.init([config.oss.bucket])
    const root = await loadSandboxRoot(config.sandbox.dataDir)
    sandboxOss = await startSandboxOss({
      store,
      credentials: sandboxSts.store,
      root,
      account: config.oss.account,
      region: config.oss.region,
      bucketAcl: config.sandbox.bucketAcl,
      rolePolicies,
      ...(config.sandbox.referer ? { referer: await loadRefererFile(config.sandbox.referer) } : {}),
      // Browsers upload straight to the sandbox from the configured origins and from ossvend's own page.
      corsOrigins: () => [...config.server.corsOrigins, config.server.publicUrl ?? publicUrl.value],
      clock,
      maxObjectBytes: config.sign.maxUploadBytes,
      callbackKey: await loadSandboxCallbackKey(config.sandbox.dataDir),
      host: config.server.host,
      port: config.sandbox.ossPort,
    })
  }
  const now = () => clock().getTime()
  const breaker = createCircuitBreaker({ failureThreshold: 5, openMs: 5000, now })
  const cache = createCredentialCache({ now, refreshRatio: config.sts.refreshRatio, minServeRatio: config.sts.minServeRatio, maxEntries: config.sts.cacheMaxEntries })
  const health: HealthState = {
    draining: false,
    stsForbidden: undefined,
    stsCircuitOpen: () => breaker.state !== 'closed',
    cachedCredentials: () => cache.size,
    store: () => (redis ? (redis.isUp() ? 'redis' : 'redis-down') : 'memory'),
  }
  const secret = secretText ? Buffer.from(secretText, 'utf8') : randomBytes(32)
  if (secretText && secret.length < 32) throw new TypeError('OSSVEND_JWT_SECRET must have at least 32 bytes')
  const vendor = createCredentialVendor({
    scopes,
    sts: stsClient,
    cache,
    breaker,
    roleArn: config.sts.roleArn,
    durationSec: config.sts.durationSec,
    retry: {
      maxAttempts: config.sts.maxAttempts,
      attemptTimeoutMs: config.sts.attemptTimeoutMs,
      deadlineMs: config.sts.deadlineMs,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      now,
      random: Math.random,
      sleep: defaultSleep,
    },
    ...(redis
      ? {
          shared: createSharedCredentialLayer({
            redis,
            keyPrefix: config.store.keyPrefix,
            secret,
            now,
            refreshRatio: config.sts.refreshRatio,
            lockMs: config.sts.deadlineMs + 2000,
            waitMs: config.sts.deadlineMs,
            onStoreError: (err) => logger.warn({ err: { message: (err as Error).message } }, 'shared credential cache unavailable; calling STS directly'),
          }),
        }
      : {}),
    observer: {
      onCall(outcome, seconds) {
        metrics.stsCalls.inc({ outcome })
        if (outcome !== 'circuit-open') metrics.stsDuration.observe(seconds)
      },
      onForbidden(error) {
        health.stsForbidden = error.stsCode
        logger.error({ stsCode: error.stsCode, requestId: error.requestId }, 'STS refused the server credentials; check the AccessKey and the role trust policy')
      },
    },
  })

  const users: UserRecord[] = await readUsersFile(config.auth.usersFile)
  if (sandbox) {
    for (const demo of config.auth.demoUsers) {
      if (!users.some((u) => u.username === demo.username)) {
        users.push({ username: demo.username, passwordHash: await hashPassword(demo.password, config.auth.scryptLog2N), scopes: demo.scopes })
      }
    }
  }

  const userStore = createUserStore(users)
  const authentication = await createAuthentication({ config, secret, clock, logger, users: userStore, ...(redis ? { redis } : {}) })

  const deps: AppDeps = {
    config,
    logger,
    metrics,
    clock,
    users: userStore,
    throttle: createLoginThrottle(
      config.auth.loginThrottle,
      redis
        ? (keyPrefix, points, duration) => new RateLimiterRedis({ storeClient: redis.client, keyPrefix: `${config.store.keyPrefix}${keyPrefix}`, points, duration, rejectIfRedisNotReady: true })
        : undefined,
    ),
    userLimiter: redis
      ? new RateLimiterRedis({
          storeClient: redis.client,
          keyPrefix: `${config.store.keyPrefix}user`,
          points: config.server.userRequestsPerMinute,
          duration: 60,
          rejectIfRedisNotReady: true,
          insuranceLimiter: memoryUserLimiter(config.server.userRequestsPerMinute),
        })
      : memoryUserLimiter(config.server.userRequestsPerMinute),
    issueToken: authentication.issueToken,
    verifyToken: authentication.verifyToken,
    verifyExternalToken: authentication.verifyExternalToken,
    sessions: authentication.sessions,
    ...(authentication.guest ? { issueGuestToken: authentication.guest } : {}),
    identityProviders: authentication.providers,
    verifyPassword,
    dummyPasswordHash: await hashPassword(randomToken(16), config.auth.scryptLog2N),
    vendor,
    scopes,
    rolePolicies,
    health,
    ossEndpoint: sandboxOss?.url ?? config.oss.endpoint ?? `https://oss-${config.oss.region}.aliyuncs.com`,
    ossSigningEndpoint: sandboxOss
      ? { url: sandboxOss.url, style: 'path' }
      : { url: config.oss.endpoint ?? `https://oss-${config.oss.region}.aliyuncs.com`, style: isIpEndpoint(config.oss.endpoint) ? 'path' : 'virtual' },
    publicUrl: () => config.server.publicUrl ?? publicUrl.value,
    audit: redis ? createRedisAuditStream({ redis, keyPrefix: config.store.keyPrefix }) : () => undefined,
    uploads: redis ? createRedisUploadLog({ redis, keyPrefix: config.store.keyPrefix, now }) : createMemoryUploadLog(now),
    ticketSecret: createHash('sha256').update('ossvend upload ticket\u0000').update(secret).digest(),
    fetchCallbackKey: createPublicKeyFetcher(),
    // In sandbox mode the sandbox signs callbacks too, with a key served over http by itself.
    callbackKeyRules: sandboxOss ? { ...OSS_PUBLIC_KEY_HOSTS, httpHosts: [new URL(sandboxOss.url).host] } : OSS_PUBLIC_KEY_HOSTS,
  }
  return {
    deps,
    ...(sandboxSts ? { sandboxSts } : {}),
    ...(sandboxOss ? { sandboxOss } : {}),
    ...(redis ? { redis } : {}),
    closeAuthentication: () => authentication.close(),
    setPublicUrl: (url: string) => (publicUrl.value = url),
  }
}

/**
 * The sandbox account's own AccessKey, made once and kept in the data folder, so that what the
 * sandbox issued and stored stays valid across restarts (and tests can act as the owner).
 */
export async function loadSandboxRoot(dataDir: string): Promise<{ accessKeyId: string; accessKeySecret: string }> {
  const file = join(dataDir, 'root-credentials.json')
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { accessKeyId: string; accessKeySecret: string }
  } catch {
    const root = { accessKeyId: `SBX${randomHex(10).toUpperCase()}`, accessKeySecret: randomToken(24) }
    await mkdir(dataDir, { recursive: true })
    await writeFile(file, JSON.stringify(root), { mode: 0o600, flag: 'wx' }).catch(() => undefined)
    return JSON.parse(await readFile(file, 'utf8')) as { accessKeyId: string; accessKeySecret: string }
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
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' }).catch(() => undefined)
    pem = await readFile(file, 'utf8')
  }
  const privateKey = createPrivateKey(pem)
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() }
}

function isIpEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false
  const host = new URL(endpoint).hostname
  return /^[0-9.]+$/.test(host) || host.includes(':') || host === 'localhost' || host.startsWith('[')
}

/** Builds everything and listens; `npm start`, `ossvend serve` and the end-to-end tests use this. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { deps, sandboxSts, sandboxOss, redis, setPublicUrl, closeAuthentication } = await buildDeps(options)
  const app = createApp(deps)
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, app)
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve) => server.listen(options.config.server.port, options.config.server.host, resolve))
  const { port } = server.address() as AddressInfo
  const host = options.config.server.host.includes(':') ? `[${options.config.server.host}]` : options.config.server.host
  setPublicUrl(`http://${host}:${port}`)
  let closing: Promise<void> | undefined
  return {
    server,
    url: `http://${host}:${port}`,
    sandbox: sandboxSts ? 'on' : 'off',
    ...(sandboxSts ? { sandboxSts } : {}),
    ...(sandboxOss ? { sandboxOss } : {}),
    deps,
    close() {
      closing ??= (async () => {
        deps.health.draining = true
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        // Keep-alive connections become idle as their last response ends; close each one then.
        server.closeIdleConnections()
        const reaper = setInterval(() => server.closeIdleConnections(), 50)
        const grace = setTimeout(() => server.closeAllConnections(), options.config.server.shutdownGraceMs)
        await closed
        clearInterval(reaper)
        clearTimeout(grace)
        await sandboxSts?.close()
        await sandboxOss?.close()
        await closeAuthentication()
        await redis?.close()
      })()
      return closing
    },
  }
}
