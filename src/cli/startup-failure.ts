import type { Config } from '../config/types.js'
import { ConfigInvalidError, PolicyInvalidError, TemplateInvalidError, type Issue } from '../errors.js'
import { RedisUnreachableError } from '../store/redis-connection.js'
import { EXIT } from './io.js'

export interface StartupFailure {
  /** One line naming the setting at fault (a second line per issue only when a file has several). */
  readonly message: string
  readonly exitCode: number
}

/**
 * Turns whatever stopped start-up into what an operator needs: the setting at fault, and a
 * sysexits code (78 configuration, 69 a dependency: a port in use, Redis not answering at
 * start-up; 70 anything else).
 * Never a stack trace: the cause is in the message or in the setting named.
 */
export function describeStartupFailure(err: unknown, config: Config | undefined): StartupFailure {
  if (err instanceof ConfigInvalidError) return { message: documentLines(err.source, 'configuration', err.issues), exitCode: EXIT.config }
  if (err instanceof TemplateInvalidError || err instanceof PolicyInvalidError) {
    const what = err instanceof TemplateInvalidError ? 'template' : 'policy'
    return { message: documentLines(settingForFile(err.source, config), what, err.issues), exitCode: EXIT.config }
  }
  // Several instances meant to share Redis must not start sharing nothing.
  if (err instanceof RedisUnreachableError) return { message: `ossvend: store.redisUrl (REDIS_URL): ${err.message}`, exitCode: EXIT.unavailable }
  const errno = err as NodeJS.ErrnoException & { port?: number; address?: string }
  if (errno?.code === 'EADDRINUSE' || errno?.code === 'EADDRNOTAVAIL' || errno?.code === 'EACCES' && errno.syscall === 'listen') {
    const setting = settingForPort(errno.port, config)
    const why = errno.code === 'EADDRINUSE' ? 'is in use' : errno.code === 'EACCES' ? 'may not be bound by this user' : 'is not an address of this host'
    // A port taken by another process is a dependency being unavailable; a wrong address or a privileged port is configuration.
    return { message: `ossvend: ${setting}: ${errno.address ?? ''}:${errno.port ?? ''} ${why}`, exitCode: errno.code === 'EADDRINUSE' ? EXIT.unavailable : EXIT.config }
  }
  if (errno?.code === 'ENOENT' || errno?.code === 'EACCES' || errno?.code === 'EISDIR') {
    return { message: `ossvend: ${settingForFile(errno.path ?? '', config)}: cannot read ${errno.path ?? 'file'} (${errno.code})`, exitCode: EXIT.config }
  }
  return { message: `ossvend: start-up failed: ${(err as Error)?.message ?? String(err)}`, exitCode: EXIT.software }
}

function documentLines(source: string, what: string, issues: readonly Issue[]): string {
  const issueText = (i: Issue) => `${i.pointer || '/'} ${i.code}: ${i.message}`
  const [only] = issues
  if (issues.length === 1 && only) return `ossvend: ${source}: ${only.pointer ? `${only.pointer} ` : ''}${only.code}: ${only.message}`
  return `ossvend: ${source}: invalid ${what} (${issues.length} issues)\n${issues.map((i) => `  ${issueText(i)}\n`).join('').trimEnd()}`
}

/** The config key a file came from, with the file: `policies.scopes.read (/path/read.json)`. */
function settingForFile(path: string, config: Config | undefined): string {
  if (!config) return path
  for (const [name, file] of Object.entries(config.policies.scopes)) if (file === path) return `policies.scopes.${name} (${path})`
  const role = config.policies.rolePolicies.indexOf(path)
  if (role >= 0) return `policies.rolePolicies[${role}] (${path})`
  if (config.policies.referer === path) return `policies.referer (${path})`
  if (config.sandbox.referer === path) return `sandbox.referer (${path})`
  if (path.startsWith(config.sandbox.dataDir)) return `sandbox.dataDir (${path})`
  if (path === config.auth.usersFile) return `auth.usersFile (${path})`
  const kid = Object.entries(config.auth.external?.publicKeys ?? {}).find(([, file]) => file === path)?.[0]
  if (kid !== undefined) return `auth.external.publicKeys.${kid} (${path})`
  return path
}

function settingForPort(port: number | undefined, config: Config | undefined): string {
  if (config && port !== undefined && port !== 0) {
    if (port === config.sandbox.stsPort) return 'sandbox.stsPort'
    if (port === config.sandbox.ossPort) return 'sandbox.ossPort'
    if (port === config.server.port) return 'server.port (PORT)'
  }
  return 'server.host (HOST)'
}
