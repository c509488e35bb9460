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
