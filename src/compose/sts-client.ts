import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ConfigInvalidError } from '../errors.js'
import type { Env } from '../config/load.js'
import type { Config, LegacyCredentials } from '../config/types.js'
import { createAlibabaStsClient } from '../sts/alibaba-client.js'
import type { StsClient } from '../sts/types.js'
import type { RunningSandbox } from './sandbox.js'

export interface StsClientOptions {
  readonly config: Config
  readonly env: Env
  readonly legacyCredentials?: LegacyCredentials
  /** In sandbox mode: the local STS and the account key to call it with. */
  readonly sandbox?: RunningSandbox
}

/**
 * AssumeRole's client: the sandbox STS with the sandbox account's key, or Alibaba's STS with the
 * environment's AccessKey, a legacy config's, or else the `@alicloud/credentials` default chain.
 */
export function createStsClient(options: StsClientOptions): StsClient {
  const { config, env, sandbox } = options
  const timeoutMs = config.sts.attemptTimeoutMs
  if (sandbox) {
    return createAlibabaStsClient({ endpoint: sandbox.sts.url, credentials: sandbox.root, timeoutMs })
  }
  const credentials = credentialsFromEnv(env) ?? options.legacyCredentials
  return createAlibabaStsClient({
    ...(config.sts.endpoint ? { endpoint: config.sts.endpoint } : {}),
    regionId: config.oss.region,
    ...(credentials ? { credentials } : {}),
    timeoutMs,
  })
}

export function credentialsFromEnv(env: Env): { accessKeyId: string; accessKeySecret: string; securityToken?: string } | undefined {
  const { ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret, ALIBABA_CLOUD_SECURITY_TOKEN: securityToken } = env
  if (!accessKeyId || !accessKeySecret) return undefined
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) }
}

/** Sandbox when the config says so, or says `auto` and no Alibaba credentials are set. */
export function isSandbox(config: Config, env: Env, legacy?: LegacyCredentials): boolean {
  if (config.mode === 'sandbox') return true
  if (config.mode === 'cloud') return false
  return !credentialsFromEnv(env) && !legacy
}

/**
 * Which source of the `@alicloud/credentials` default chain cloud mode would use, checked without
 * calling anything: the environment's AccessKey, OIDC (RRSA), the CLI's or the SDK's credentials
 * file, an ECS RAM role named in ALIBABA_CLOUD_ECS_METADATA, or a credentials URI. Undefined when
 * none is configured, so start-up can refuse instead of failing every request later.
 */
export function credentialSource(env: Env, legacy: LegacyCredentials | undefined, home: string, exists: (path: string) => boolean): string | undefined {
  if (credentialsFromEnv(env)) return 'environment'
  if (legacy) return 'legacy config file'
  if (env.ALIBABA_CLOUD_ROLE_ARN && env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN && env.ALIBABA_CLOUD_OIDC_TOKEN_FILE) return 'OIDC (RRSA)'
  if (env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED !== 'true' && exists(join(home, '.aliyun', 'config.json'))) return 'Alibaba Cloud CLI profile'
  if (exists(env.ALIBABA_CLOUD_CREDENTIALS_FILE || join(home, '.alibabacloud', 'credentials'))) return 'credentials file'
  if (env.ALIBABA_CLOUD_ECS_METADATA && env.ALIBABA_CLOUD_ECS_METADATA_DISABLED !== 'true') return 'ECS RAM role'
  if (env.ALIBABA_CLOUD_CREDENTIALS_URI) return 'credentials URI'
  return undefined
}

/** @throws {ConfigInvalidError} naming ALIBABA_CLOUD_ACCESS_KEY_ID when cloud mode has no credential source. */
export function requireCloudCredentials(env: Env, legacy: LegacyCredentials | undefined): string {
  const source = credentialSource(env, legacy, env.HOME || homedir(), existsSync)
  if (source) return source
  throw new ConfigInvalidError('ALIBABA_CLOUD_ACCESS_KEY_ID', [
    {
      pointer: '',
      code: 'credentials.missing',
      message:
        'cloud mode has no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, OIDC (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), ALIBABA_CLOUD_ECS_METADATA (the ECS RAM role name) or a credentials file',
    },
  ])
}
