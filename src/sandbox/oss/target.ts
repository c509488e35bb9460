import type { IncomingMessage } from 'node:http'
import type { Target } from './context.js'
import { header } from './http-io.js'

/**
 * The bucket and key a request names: virtual-hosted (`bucket.host:port/key`, when the first
 * label of a non-IP host is a bucket) or path style (`/bucket/key`).
 */
export function parseTarget(req: IncomingMessage, url: URL, hasBucket: (name: string) => boolean): Target {
  const host = (header(req, 'host') ?? '').split(':')[0] ?? ''
  const labels = host.split('.')
  const path = url.pathname
  if (labels.length > 1 && hasBucket(labels[0] as string) && !/^[0-9.]+$/.test(host)) {
    return { bucket: labels[0] as string, key: decodeURIComponent(path.slice(1)) }
  }
  const rest = path.slice(1)
  const slash = rest.indexOf('/')
  if (slash < 0) return { bucket: decodeURIComponent(rest), key: '' }
  return { bucket: decodeURIComponent(rest.slice(0, slash)), key: decodeURIComponent(rest.slice(slash + 1)) }
}
