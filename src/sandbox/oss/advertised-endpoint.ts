import { lookup } from 'node:dns/promises'

/**
 * The endpoint the sandbox OSS gives to clients: `http://localhost:PORT`, a host name rather
 * than an IP, because ali-oss refuses to build object URLs for an IP endpoint (`signatureUrl`
 * throws, `signatureUrlV4` leaves the bucket out). Clients then address the bucket as
 * `BUCKET.localhost:PORT` (virtual-hosted, as on real OSS), which browsers resolve to loopback
 * by themselves (RFC 6761) and which Linux resolves through nss-myhostname; path style
 * (`localhost:PORT/BUCKET/key`) reaches the sandbox too.
 */
export function advertisedEndpoint(port: number): string {
  return `http://localhost:${port}`
}

/**
 * Whether this machine resolves `BUCKET.localhost` to loopback, as Node clients need; when not,
 * start-up says how to fix it (Debian: `apt-get install libnss-myhostname`).
 */
export async function localhostSubdomainsResolve(bucket: string): Promise<boolean> {
  try {
    const addresses = await lookup(`${bucket}.localhost`, { all: true })
    return addresses.length > 0 && addresses.every((a) => a.address === '::1' || a.address.startsWith('127.'))
  } catch {
    return false
  }
}
