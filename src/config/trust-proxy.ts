import { isIP } from 'node:net'
import type { Issue } from '../errors.js'

/** The names express (proxy-addr) gives to well-known ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/**
 * `server.trustProxy` may name how many proxies sit in front (a hop count) or which addresses
 * they have (addresses, CIDRs, or express's named ranges), never `true`: trusting every hop lets
 * any client pick its own address with `X-Forwarded-For` and escape per-address limits.
 */
export function trustProxyIssues(value: unknown): Issue[] {
  const pointer = '/server/trustProxy'
  if (value === undefined || value === false || typeof value === 'number') return []
  if (value === true) {
    return [{ pointer, code: 'config.trust-proxy', message: 'server.trustProxy must be a hop count or the proxies\' addresses/CIDRs, not true (any client could choose its address with X-Forwarded-For)' }]
  }
  const entries = typeof value === 'string' ? value.split(',').map((e) => e.trim()) : (value as string[]).map((e) => e.trim())
  return entries
    .filter((entry) => !isProxyAddress(entry))
    .map((entry) => ({ pointer, code: 'config.trust-proxy', message: `"${entry.slice(0, 64)}" is not an address, a CIDR or one of loopback, linklocal, uniquelocal` }))
}

function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true
  const slash = entry.indexOf('/')
  const address = slash < 0 ? entry : entry.slice(0, slash)
  const version = isIP(address)
  if (version === 0) return false
  if (slash < 0) return true
  const range = entry.slice(slash + 1)
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (version === 4 ? 32 : 128)
  // proxy-addr also takes an IPv4 netmask (10.0.0.0/255.0.0.0), if it is contiguous.
  if (version !== 4 || isIP(range) !== 4) return false
  const bits = range.split('.').reduce((n, octet) => (n << 8) | Number(octet), 0) >>> 0
  const inverted = ~bits >>> 0
  return (inverted & (inverted + 1)) === 0
}
