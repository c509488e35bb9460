import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { ConfigInvalidError, type Issue } from '../errors.js'
import { createAjv, toIssues } from '../lib/ajv.js'
import { parseJsonText } from '../lib/parse-json.js'
import { normaliseProviders } from './providers.js'
import { CONFIG_SCHEMA, LEGACY_CONFIG_SCHEMA } from './schema.js'
import { trustProxyIssues } from './trust-proxy.js'
import { DEFAULT_PROCESS_OPERATIONS } from '../oss/process-param.js'
import type { Config, LegacyCredentials, ScopeSetting } from './types.js'

export type Env = Readonly<Record<string, string | undefined>>

export interface LoadConfigOptions {
  readonly path: string
  /** The environment, passed in so tests use a plain object. */
  readonly env?: Env
}

export interface LoadedConfig {
  readonly config: Config
  /** Only from a legacy sample config file; prefer the environment. */
  readonly legacyCredentials?: LegacyCredentials
}

const ajv = createAjv()
const validate = ajv.compile(CONFIG_SCHEMA)
const validateLegacy = ajv.compile(LEGACY_CONFIG_SCHEMA)
const LEGACY_KEYS = ['AccessKeyID', 'AccessKeyId', 'AccessKeySecret', 'RoleArn', 'TokenExpireTime', 'PolicyFile']

/**
 * Reads and validates `config.json`. Every issue is collected, with its JSON Pointer, before
 * anything is reported; nothing downstream re-checks the result.
 * @throws {ConfigInvalidError} ERR_CONFIG_INVALID
 */
export async function loadConfig(options: LoadConfigOptions): Promise<Config> {
  return (await loadConfigWithCredentials(options)).config
}

/** Like `loadConfig`, and also returns credentials found in a legacy sample config. */
export async function loadConfigWithCredentials(options: LoadConfigOptions): Promise<LoadedConfig> {
  const path = resolve(options.path)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigInvalidError(path, [{ pointer: '', code: 'config.unreadable', message: (err as Error).message }])
  }
  const json = parseJsonText(text)
  if (!json.ok) throw new ConfigInvalidError(path, [json.issue])
  const env = options.env ?? {}
  if (isLegacy(json.value)) return parseLegacyConfig(json.value, path, env)
  return { config: parseConfig(json.value, path, env) }
}

function isLegacy(raw: unknown): raw is Record<string, unknown> {
  return raw !== null && typeof raw === 'object' && Object.keys(raw).some((k) => LEGACY_KEYS.includes(k))
}

interface ConfigInput {
  mode?: Config['mode']
  server?: Partial<Config['server']>
  auth?: Partial<Omit<Config['auth'], 'loginThrottle' | 'guest'>> & { loginThrottle?: Partial<Config['auth']['loginThrottle']>; guest?: Partial<Config['auth']['guest']> }
  oss: Config['oss']
  sts?: Partial<Config['sts']>
  sandbox?: Partial<Config['sandbox']>
  sign?: Partial<Omit<Config['sign'], 'maxUrlTtlSec'>> & { maxUrlTtlSec?: Partial<Config['sign']['maxUrlTtlSec']> }
  store?: Partial<Config['store']>
  policies: { scopes: Record<string, ScopeSetting>; defaultScope?: string; pageScope?: string; rolePolicies?: string[]; referer?: string }
}

/**
 * `dataDir`: where relative data paths (`auth.usersFile`, `sandbox.dataDir`, `store.dataDir`) resolve; the config
 * file's folder by default.
 * @throws {ConfigInvalidError} ERR_CONFIG_INVALID
 */
export function parseConfig(raw: unknown, path: string, env: Env, warnings: readonly string[] = [], dataDir?: string): Config {
  if (!validate(raw)) throw new ConfigInvalidError(path, toIssues(validate.errors))
  const input = raw as ConfigInput
  const issues: Issue[] = []
  const base = dirname(path)
  const dataBase = dataDir ?? base
  const scopeNames = Object.keys(input.policies.scopes)
  const defaultScope = input.policies.defaultScope ?? (scopeNames[0] as string)
  if (!scopeNames.includes(defaultScope)) {
    issues.push({
      pointer: '/policies/defaultScope',
      code: 'config.scope-unknown',
      message: `"${defaultScope}" is not one of the scopes (${scopeNames.join(', ')})`,
    })
  }
  const pageScope = input.policies.pageScope ?? defaultScope
  if (input.policies.pageScope !== undefined && !scopeNames.includes(pageScope)) {
    issues.push({ pointer: '/policies/pageScope', code: 'config.scope-unknown', message: `"${pageScope}" is not one of the scopes (${scopeNames.join(', ')})` })
  }
  ;(input.auth?.demoUsers ?? []).forEach((user, i) => {
    user.scopes.forEach((scope, j) => {
      if (!scopeNames.includes(scope)) {
        issues.push({ pointer: `/auth/demoUsers/${i}/scopes/${j}`, code: 'config.scope-unknown', message: `"${scope}" is not a scope` })
      }
    })
  })
  const external = input.auth?.external
  const providers = normaliseProviders(input.auth as Parameters<typeof normaliseProviders>[0], base, scopeNames, issues)
  const guest = input.auth?.guest
  if (guest?.enabled && (!guest.scope || !scopeNames.includes(guest.scope))) {
    issues.push({ pointer: '/auth/guest/scope', code: 'config.scope-unknown', message: 'guests need "scope", one of the scopes' })
  }
  const port = env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : (input.server?.port ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    issues.push({ pointer: '/server/port', code: 'config.port', message: 'PORT must be an integer from 0 to 65535' })
  }
  issues.push(...trustProxyIssues(input.server?.trustProxy))
  const sts = input.sts ?? {}
  const refreshRatio = sts.refreshRatio ?? 0.5
  const minServeRatio = sts.minServeRatio ?? 0.25
  if (minServeRatio >= refreshRatio) {
    issues.push({ pointer: '/sts/minServeRatio', code: 'config.ratio', message: 'minServeRatio must be below refreshRatio (serve, then refresh, then stop serving)' })
  }
  const durationSec = sts.durationSec ?? 3600
  // Without a stated role maximum, the duration asked for is taken as allowed (configs that
  // predate the setting keep working); RAM's own default maximum is 3600 s.
  const maxSessionDurationSec = sts.maxSessionDurationSec ?? Math.max(3600, durationSec)
  if (durationSec > maxSessionDurationSec) {
    issues.push({ pointer: '/sts/durationSec', code: 'config.duration', message: `durationSec must not exceed maxSessionDurationSec (${maxSessionDurationSec}, the role's MaxSessionDuration)` })
  }
  const providerTokens = { defaultTtlSec: sts.providerTokens?.defaultTtlSec ?? 86400, maxTtlSec: sts.providerTokens?.maxTtlSec ?? 604800 }
  if (providerTokens.defaultTtlSec > providerTokens.maxTtlSec) {
    issues.push({ pointer: '/sts/providerTokens/defaultTtlSec', code: 'config.ttl', message: 'providerTokens.defaultTtlSec must not exceed providerTokens.maxTtlSec' })
  }
  const attemptTimeoutMs = sts.attemptTimeoutMs ?? 1500
  const deadlineMs = sts.deadlineMs ?? 3000
  if (attemptTimeoutMs > deadlineMs) {
    issues.push({ pointer: '/sts/attemptTimeoutMs', code: 'config.deadline', message: 'attemptTimeoutMs must not exceed deadlineMs' })
  }
  const mode = (env.OSSVEND_MODE as Config['mode'] | undefined) ?? input.mode ?? 'auto'
  if (!['auto', 'sandbox', 'cloud'].includes(mode)) {
    issues.push({ pointer: '/mode', code: 'config.mode', message: 'OSSVEND_MODE must be auto, sandbox or cloud' })
  }
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) {
    issues.push({ pointer: '/store/redisUrl', code: 'config.redis-url', message: 'REDIS_URL must start with redis:// or rediss://' })
  }
  if (issues.length > 0) throw new ConfigInvalidError(path, issues)

  const auth = input.auth ?? {}
  return deepFreeze({
    source: path,
    mode,
    server: {
      host: env.HOST ?? input.server?.host ?? '127.0.0.1',
      port,
      bodyLimitBytes: input.server?.bodyLimitBytes ?? 16384,
      trustProxy: (input.server?.trustProxy as Config['server']['trustProxy'] | undefined) ?? false,
      corsOrigins: input.server?.corsOrigins ?? [],
      shutdownGraceMs: input.server?.shutdownGraceMs ?? 10000,
      userRequestsPerMinute: input.server?.userRequestsPerMinute ?? 600,
      ...(env.OSSVEND_PUBLIC_URL ? { publicUrl: env.OSSVEND_PUBLIC_URL } : input.server?.publicUrl ? { publicUrl: input.server.publicUrl } : {}),
    },
    auth: {
      issuer: auth.issuer ?? 'ossvend',
      audience: auth.audience ?? 'ossvend-app',
      accessTokenTtlSec: auth.accessTokenTtlSec ?? 900,
      clockToleranceSec: auth.clockToleranceSec ?? 30,
      usersFile: resolve(dataBase, auth.usersFile ?? '.data/users.json'),
      scryptLog2N: auth.scryptLog2N ?? 17,
      loginThrottle: { perUserFailures: 5, perIpFailures: 20, windowSec: 900, ...auth.loginThrottle },
      demoUsers: auth.demoUsers ?? [],
      ...(external
        ? {
            external: {
              ...external,
              scopesClaim: external.scopesClaim ?? 'scope',
              ...(external.publicKeys
                ? { publicKeys: Object.fromEntries(Object.entries(external.publicKeys).map(([kid, p]) => [kid, resolve(base, p)])) }
                : {}),
            },
          }
        : {}),
      providers,
      refreshTokenTtlSec: auth.refreshTokenTtlSec ?? 2592000,
      guest: {
        enabled: guest?.enabled ?? false,
        ...(guest?.scope ? { scope: guest.scope } : {}),
        ttlSec: guest?.ttlSec ?? 900,
        perIpPerMinute: guest?.perIpPerMinute ?? 10,
        perMinute: guest?.perMinute ?? 600,
      },
    },
    oss: input.oss,
    sts: {
      roleArn: sts.roleArn ?? `acs:ram::${input.oss.account}:role/ossvend-app`,
      durationSec,
      maxSessionDurationSec,
      ...(env.OSSVEND_STS_ENDPOINT ? { endpoint: env.OSSVEND_STS_ENDPOINT } : sts.endpoint ? { endpoint: sts.endpoint } : {}),
      refreshRatio,
      minServeRatio,
      attemptTimeoutMs,
      deadlineMs,
      maxAttempts: sts.maxAttempts ?? 3,
      ...(sts.maxCallsPerSecond !== undefined ? { maxCallsPerSecond: sts.maxCallsPerSecond } : {}),
      mobileErrorsAsOk: sts.mobileErrorsAsOk ?? false,
      cacheMaxEntries: sts.cacheMaxEntries ?? 100000,
      acceptSessionTokenInUrl: sts.acceptSessionTokenInUrl ?? false,
      flatPlacement: sts.flatPlacement ?? false,
      providerTokens,
    },
    sign: {
      signatureVersion: input.sign?.signatureVersion ?? 'v4',
      urlTtlSec: input.sign?.urlTtlSec ?? 900,
      maxUrlTtlSec: { GET: 3600, HEAD: 3600, PUT: 900, DELETE: 300, ...input.sign?.maxUrlTtlSec },
      postTtlSec: input.sign?.postTtlSec ?? 600,
      maxUploadBytes: input.sign?.maxUploadBytes ?? 1024 * 1024 * 1024,
      contentTypes: input.sign?.contentTypes ?? [],
      forbidOverwrite: input.sign?.forbidOverwrite ?? false,
      ...(input.sign?.serverSideEncryption ? { serverSideEncryption: input.sign.serverSideEncryption } : {}),
      callback: input.sign?.callback ?? true,
      multipartThresholdBytes: input.sign?.multipartThresholdBytes ?? 8 * 1024 * 1024,
      processOperations: input.sign?.processOperations ?? [...DEFAULT_PROCESS_OPERATIONS],
    },
    sandbox: {
      stsPort: input.sandbox?.stsPort ?? 0,
      ossPort: input.sandbox?.ossPort ?? 0,
      bucketAcl: input.sandbox?.bucketAcl ?? 'private',
      ...(input.sandbox?.referer ? { referer: resolve(base, input.sandbox.referer) } : {}),
      stsRateLimitPerSecond: input.sandbox?.stsRateLimitPerSecond ?? 100,
      dataDir: resolve(dataBase, input.sandbox?.dataDir ?? '.data/sandbox'),
      callbackHosts: input.sandbox?.callbackHosts ?? [],
    },
    store: {
      ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : input.store?.redisUrl ? { redisUrl: input.store.redisUrl } : {}),
      keyPrefix: input.store?.keyPrefix ?? 'ossvend:',
      dataDir: resolve(dataBase, input.store?.dataDir ?? '.data'),
    },
    policies: {
      scopes: Object.fromEntries(Object.entries(input.policies.scopes).map(([k, v]) => [k, typeof v === 'string' ? resolve(base, v) : v])),
      defaultScope,
      pageScope,
      rolePolicies: (input.policies.rolePolicies ?? []).map((p) => resolve(base, p)),
      ...(input.policies.referer !== undefined ? { referer: resolve(base, input.policies.referer) } : {}),
    },
    warnings,
  } satisfies Config)
}

/**
 * The official sample server's config (`AccessKeyID`, `AccessKeySecret`, `RoleArn`,
 * `TokenExpireTime`, `PolicyFile`) as a migration path: the role and duration are taken, the rest
 * of the settings are ossvend's defaults, and warnings say what changed.
 */
function parseLegacyConfig(raw: Record<string, unknown>, path: string, env: Env): LoadedConfig {
  if (!validateLegacy(raw)) throw new ConfigInvalidError(path, toIssues(validateLegacy.errors))
  const warnings: string[] = [
    `${path} is an Alibaba sample app-server config; ossvend reads it as a migration path. Move to ossvend's config.json format.`,
  ]
  const accessKeyId = (raw.AccessKeyID ?? raw.AccessKeyId) as string | undefined
  const accessKeySecret = raw.AccessKeySecret as string | undefined
  const hasFileSecret = Boolean(accessKeyId && accessKeySecret)
  if (hasFileSecret) {
    warnings.push('the config file holds an AccessKey secret: secrets in files are unsafe; set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET instead (they take precedence)')
  }
  if (raw.PolicyFile !== undefined) {
    warnings.push(`PolicyFile is not used: ossvend renders a per-user session policy from policies/templates for each user instead of one static policy for everyone`)
  }
  const duration = raw.TokenExpireTime !== undefined ? Number(raw.TokenExpireTime) : 3600
  const issues: Issue[] = []
  if (duration < 900 || duration > 43200) {
    issues.push({ pointer: '/TokenExpireTime', code: 'config.duration', message: 'TokenExpireTime must be from 900 to 43200 seconds' })
  }
  const roleArn = raw.RoleArn as string
  const account = /^acs:ram::([0-9]+):/.exec(roleArn)?.[1] as string
  if (issues.length > 0) throw new ConfigInvalidError(path, issues)
  const root = join(dirname(new URL(import.meta.url).pathname), '..', '..')
  const config = parseConfig(
    {
      mode: 'cloud',
      oss: { bucket: 'app-base-oss', region: 'cn-hangzhou', account },
      sts: { roleArn, durationSec: duration },
      policies: {
        scopes: {
          read: join(root, 'policies/templates/read.json'),
          write: join(root, 'policies/templates/write.json'),
          'read-write': join(root, 'policies/templates/read-write.json'),
        },
        defaultScope: 'read-write',
      },
    },
    path,
    env,
    warnings,
  )
  return { config, ...(hasFileSecret ? { legacyCredentials: { accessKeyId: accessKeyId as string, accessKeySecret: accessKeySecret as string } } : {}) }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
