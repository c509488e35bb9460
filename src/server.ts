// The `ossvend/server` entry: the HTTP app, the whole server, and its configuration.
// Named re-exports only.

export { createApp } from './http/app.js'
export { appMessageClasses } from './http/app-messages.js'
export type { AppDeps, HealthState } from './http/deps.js'
export { startServer, buildDeps, isSandbox } from './serve.js'
export type { StartOptions, RunningServer, BuiltDeps } from './serve.js'
export { loadConfig, loadConfigWithCredentials, parseConfig } from './config/load.js'
export type { Env, LoadConfigOptions, LoadedConfig } from './config/load.js'
export { loadEmbeddedConfig, defaultDataDir, EMBEDDED_CONFIG_PATH } from './config/embedded.js'
export type { Config, DemoUser, ExternalIdp, LegacyCredentials } from './config/types.js'
export { createLogger } from './http/logger.js'
export { run } from './cli/main.js'
export type { CliIo } from './cli/io.js'
