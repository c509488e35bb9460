import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Env } from './config/load.js'
import type { Config, LegacyCredentials } from './config/types.js'
import { createIdentity } from './compose/identity.js'
import { startSandbox, type RunningSandbox } from './compose/sandbox.js'
import { withSandboxDomains } from './compose/sandbox-domains.js'
import { localhostSubdomainsResolve } from './sandbox/oss/advertised-endpoint.js'
import { loadServerSecret } from './compose/secret.js'
import { createStateStore, type StateStore } from './compose/state-store.js'
import { createStsClient, credentialsFromEnv, isSandbox, requireCloudCredentials } from './compose/sts-client.js'
import { createServerObjectHead } from './compose/object-head.js'
import { createVending } from './compose/vendor.js'
import { loadScopes } from './grant/scopes.js'
import { createApp } from './http/app.js'
import { appMessageClasses } from './http/app-messages.js'
import type { AppDeps, HealthState } from './http/deps.js'
import { createMetrics } from './http/metrics.js'
import { createPublicKeyFetcher } from './http/public-key-fetcher.js'
import { createLoginThrottle } from './auth/login-throttle.js'
import { createProviderTokens } from './auth/provider-token.js'
import { OSS_PUBLIC_KEY_HOSTS } from './oss/callback.js'
import { systemClock, type Clock } from './lib/clock.js'
import { loadPolicyFile } from './policy/load.js'
import type { RunningSandboxOss } from './sandbox/oss-server.js'
import type { RunningSandboxSts } from './sandbox/sts-server.js'
import type { StsClient } from './sts/types.js'

export { isSandbox } from './compose/sts-client.js'
export { loadSandboxRoot } from './compose/sandbox.js'

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

export interface BuiltDeps {
  readonly deps: AppDeps
  readonly sandboxSts?: RunningSandboxSts
  readonly sandboxOss?: RunningSandboxOss
  setPublicUrl(url: string): void
  /** Closes what building opened: the sandbox listeners and the shared store. */
  close(): Promise<void>
}

/**
 * The composition root: each concern's factory makes its one choice (memory or Redis, sandbox or
 * Alibaba, which identity providers) and this wires the results together. Everything that can be
 * refused (files, secrets) is read before anything listens; whatever was opened is closed again
 * when a later step fails.
 */
export async function buildDeps(options: StartOptions): Promise<BuiltDeps> {
  const { config, env, logger } = options
  const clock = options.clock ?? systemClock
  const now = () => clock().getTime()
  const secret = loadServerSecret(config, env)
  const scopes = await loadScopes(config)
  const rolePolicies = await Promise.all(config.policies.rolePolicies.map((p) => loadPolicyFile(p)))
  const sandboxMode = isSandbox(config, env, options.legacyCredentials)
  if (!sandboxMode && !options.stsClient) requireCloudCredentials(env, options.legacyCredentials)
  const publicUrl = { value: `http://${config.server.host}:${config.server.port}` }
  const ownPublicUrl = () => config.server.publicUrl ?? publicUrl.value

  const opened: { close(): Promise<void> }[] = []
  try {
    const state = await createStateStore({ config, logger, secret, now })
    opened.push(state)
    const sandbox = sandboxMode && !options.stsClient
      ? await startSandbox({
          config,
          clock,
          rolePolicies,
          // Browsers upload straight to the sandbox from the configured origins and from ossvend's own page.
          corsOrigins: () => [...config.server.corsOrigins, ownPublicUrl()],
          callbackHosts: () => [new URL(ownPublicUrl()).host, ...config.sandbox.callbackHosts],
        })
      : undefined
    if (sandbox) opened.push(sandbox)
    const identity = await createIdentity({ config, secret, clock, sandbox: sandboxMode, logger, state })
    if (sandbox && !(await localhostSubdomainsResolve(config.oss.bucket))) {
      logger.warn(`${config.oss.bucket}.localhost does not resolve to loopback here, so Node clients cannot reach the sandbox OSS at ${sandbox.oss.endpoint}; install nss-myhostname (Debian: apt-get install libnss-myhostname)`)
    }
    const sts = options.stsClient ?? createStsClient({ config, env, ...(options.legacyCredentials ? { legacyCredentials: options.legacyCredentials } : {}), ...(sandbox ? { sandbox } : {}) })
    const headObject = createServerObjectHead({
      config,
      sandbox: sandbox ? { ossUrl: sandbox.oss.url, root: sandbox.root } : undefined,
      sandboxMode,
      credentials: credentialsFromEnv(env) ?? options.legacyCredentials,
      now: clock,
    })
    // Custom domains at *.localhost are served by the sandbox OSS, at its port (see sandbox-domains.ts).
    const served = sandbox ? withSandboxDomains(config, Number(new URL(sandbox.oss.url).port)) : config
    const deps = { ...wire({ config: served, logger, clock, now, secret, scopes, rolePolicies, state, sandbox, identity, sts, publicUrl: ownPublicUrl }), ...(headObject ? { headObject } : {}) }
    return {
      deps,
      ...(sandbox ? { sandboxSts: sandbox.sts, sandboxOss: sandbox.oss } : {}),
      setPublicUrl: (url: string) => (publicUrl.value = url),
      close: () => closeAll(opened),
    }
  } catch (err) {
    await closeAll(opened)
    throw err
  }
}

interface Parts {
  readonly config: Config
  readonly logger: Logger
  readonly clock: Clock
  readonly now: () => number
  readonly secret: Buffer
  readonly scopes: Awaited<ReturnType<typeof loadScopes>>
  readonly rolePolicies: AppDeps['rolePolicies']
  readonly state: StateStore
  readonly sandbox: RunningSandbox | undefined
  readonly identity: Awaited<ReturnType<typeof createIdentity>>
  readonly sts: StsClient
  readonly publicUrl: () => string
}

function wire(parts: Parts): AppDeps {
  const { config, logger, state, sandbox, identity } = parts
  const metrics = createMetrics({ defaultMetrics: true })
  const health: HealthState = {
    draining: false,
    stsForbidden: undefined,
    stsCircuitOpen: () => breaker.state !== 'closed',
    cachedCredentials: () => cache.size,
    store: () => state.health(),
  }
  const { vendor, breaker, cache } = createVending({
    config,
    logger,
    metrics,
    sts: parts.sts,
    scopes: parts.scopes,
    shared: state.sharedCredentials,
    now: parts.now,
    stsCallsPerSecond: config.sts.maxCallsPerSecond ?? (sandbox ? config.sandbox.stsRateLimitPerSecond : 100),
    onForbidden: (stsCode) => (health.stsForbidden = stsCode),
  })
  const ossEndpoint = config.oss.endpoint ?? `https://oss-${config.oss.region}.aliyuncs.com`
  return {
    config,
    logger,
    metrics,
    clock: parts.clock,
    users: identity.users,
    throttle: createLoginThrottle(config.auth.loginThrottle, state.loginLimiter),
    userLimiter: state.userLimiter,
    issueToken: identity.issueToken,
    verifyToken: identity.verifyToken,
    verifyExternalToken: identity.verifyExternalToken,
    sessions: identity.sessions,
    ...(identity.guest ? { issueGuestToken: identity.guest } : {}),
    identityProviders: identity.providers,
    verifyPassword: identity.verifyPassword,
    dummyPasswordHash: identity.dummyPasswordHash,
    vendor,
    providerTokens: createProviderTokens({
      store: state.providerTokens,
      now: parts.now,
      defaultTtlSec: config.sts.providerTokens.defaultTtlSec,
      maxTtlSec: config.sts.providerTokens.maxTtlSec,
    }),
    scopes: parts.scopes,
    rolePolicies: parts.rolePolicies,
    health,
    ossEndpoint: sandbox?.oss.endpoint ?? ossEndpoint,
    ossSigningEndpoint: sandbox
      ? { url: sandbox.oss.endpoint, style: 'virtual' }
      : { url: ossEndpoint, style: isIpEndpoint(config.oss.endpoint) ? 'path' : 'virtual' },
    publicUrl: parts.publicUrl,
    audit: state.audit,
    uploads: state.uploads,
    ticketSecret: createHash('sha256').update('ossvend upload ticket\u0000').update(parts.secret).digest(),
    fetchCallbackKey: createPublicKeyFetcher(),
    // In sandbox mode the sandbox signs callbacks too, with a key served over http by itself at a
    // URL no user can write (never any other URL on its host: objects live there).
    callbackKeyRules: sandbox ? { ...OSS_PUBLIC_KEY_HOSTS, httpUrls: [sandbox.oss.callbackKeyUrl] } : OSS_PUBLIC_KEY_HOSTS,
  }
}

async function closeAll(opened: readonly { close(): Promise<void> }[]): Promise<void> {
  for (const part of [...opened].reverse()) await part.close().catch(() => undefined)
}

function isIpEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false
  const host = new URL(endpoint).hostname
  return /^[0-9.]+$/.test(host) || host.includes(':') || host === 'localhost' || host.startsWith('[')
}

/** Builds everything and listens; `npm start`, `ossvend serve` and the end-to-end tests use this. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const built = await buildDeps(options)
  const { deps, sandboxSts, sandboxOss, setPublicUrl } = built
  const app = createApp(deps)
  // Node enforces both timeouts only when it checks (every 30 s by default); check every second.
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000, ...appMessageClasses(app) }, app)
  server.keepAliveTimeout = 5_000
  try {
    await listen(server, options.config.server.port, options.config.server.host)
  } catch (err) {
    await built.close()
    throw err
  }
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
        await built.close()
      })()
      return closing
    },
  }
}

/** Listens, or rejects with the socket error (EADDRINUSE, EACCES) instead of crashing. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}
