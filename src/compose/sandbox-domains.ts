import type { Config } from '../config/types.js'

/**
 * Sandbox mode serves a custom domain itself when its host is a `*.localhost` name (which
 * resolves to loopback): `oss.buckets.NAME.cname = "http://media-cdn.localhost"` reaches bucket
 * NAME at the sandbox OSS. The configured scheme and port are replaced by the sandbox's own
 * (its port may be chosen at start), so any port may be written. Other custom domains are left
 * as they are: the sandbox cannot be reached through them.
 */
function sandboxHost(cname: string | undefined): string | undefined {
  if (cname === undefined) return undefined
  const host = new URL(cname).hostname.toLowerCase()
  return host.endsWith('.localhost') ? host : undefined
}

/** Host name to bucket, for the sandbox OSS. */
export function sandboxDomains(config: Pick<Config, 'oss'>): Map<string, string> {
  const domains = new Map<string, string>()
  for (const [bucket, settings] of Object.entries(config.oss.buckets ?? {})) {
    const host = sandboxHost(settings.cname)
    if (host !== undefined) domains.set(host, bucket)
  }
  return domains
}

/** The config with each sandbox-served custom domain at the sandbox OSS's own port, over http. */
export function withSandboxDomains<C extends Pick<Config, 'oss'>>(config: C, ossPort: number): C {
  const buckets = config.oss.buckets
  if (!buckets) return config
  const served = Object.fromEntries(Object.entries(buckets).map(([bucket, settings]) => {
    const host = sandboxHost(settings.cname)
    return [bucket, host === undefined ? settings : { ...settings, cname: `http://${host}:${ossPort}` }]
  }))
  return { ...config, oss: { ...config.oss, buckets: served } }
}
