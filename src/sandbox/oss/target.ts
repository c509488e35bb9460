import type { IncomingMessage } from 'node:http'
import type { Target } from './context.js'
import { OssFailure } from './failure.js'
import { header } from './http-io.js'

const invalidUri = () => new OssFailure('InvalidURI', 'Could not parse the specified URI.')

/**
 * The request's URL, refusing what OSS refuses with `400 InvalidURI`: anything but an absolute
 * path (`//host/x` would otherwise be read as another host).
 */
export function requestUrl(req: IncomingMessage): URL {
  const raw = req.url ?? '/'
  if (!raw.startsWith('/') || raw.startsWith('//')) throw invalidUri()
  try {
    return new URL(raw, 'http://sandbox')
  } catch {
    throw invalidUri()
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw invalidUri()
  }
}

/**
 * The bucket and key a request names: a custom domain bound to a bucket (`domain:port/key`),
 * virtual-hosted (`bucket.host:port/key`, when the first label of a non-IP host is a bucket) or
 * path style (`/bucket/key`). Bad percent-encoding is `InvalidURI`.
 */
export function parseTarget(req: IncomingMessage, url: URL, hasBucket: (name: string) => boolean, domains?: ReadonlyMap<string, string>): Target {
  const host = ((header(req, 'host') ?? '').split(':')[0] ?? '').toLowerCase()
  const labels = host.split('.')
  const path = url.pathname
  const bound = domains?.get(host)
  if (bound !== undefined) return { bucket: bound, key: decode(path.slice(1)) }
  if (labels.length > 1 && hasBucket(labels[0] as string) && !/^[0-9.]+$/.test(host)) {
    return { bucket: labels[0] as string, key: decode(path.slice(1)) }
  }
  const rest = path.slice(1)
  const slash = rest.indexOf('/')
  if (slash < 0) return { bucket: decode(rest), key: '' }
  return { bucket: decode(rest.slice(0, slash)), key: decode(rest.slice(slash + 1)) }
}
