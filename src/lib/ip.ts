import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * IP addresses as ossvend compares them. Parsing is done by ipaddr.js; the textual forms
 * accepted are only the standard ones (node:net `isIP`: dotted-quad IPv4 with no octal, hex or
 * short forms, and RFC 4291 IPv6). Every address is also placed in the 128-bit IPv6 space, with
 * IPv4 as its IPv4-mapped form (`::ffff:a.b.c.d`), so each spelling of one address
 * (`1.2.3.4`, `::ffff:1.2.3.4`, `::ffff:102:304`, `::ffff:0102:0304`, `0:0:0:0:0:ffff:1.2.3.4`)
 * is the same number and a list of networks cannot be sidestepped by choosing a spelling.
 * IPv4 and IPv6 networks never overlap (`::/0` holds no IPv4 client), as in the seed vectors.
 */
export interface IpAddress {
  /** 4 for IPv4 and every IPv4-mapped IPv6 spelling; 6 otherwise. */
  readonly version: 4 | 6
  /** The address in its own width: 32 bits for IPv4 (mapped forms included), 128 for IPv6. */
  readonly bits: bigint
  /** The address as 128 bits (IPv4 as `::ffff:a.b.c.d`). */
  readonly bits128: bigint
  /** Canonical text: dotted quad for IPv4, RFC 5952 for IPv6. */
  readonly text: string
}

export interface IpNetwork {
  /**
   * 4 for IPv4 blocks (also when written as a mapped IPv6 block of /96 or longer), else 6.
   * Families never mix: an IPv6 block (even `::/0`) holds no IPv4 client.
   */
  readonly version: 4 | 6
  /** The network address as 128 bits; host bits may be set, as in `10.1.2.3/8`. */
  readonly bits128: bigint
  /** Prefix length in the 128-bit space (an IPv4 `/n` is `/96+n`). */
  readonly prefixLength128: number
  /** Canonical text, e.g. `10.0.0.0/8` or `2001:db8::/32`. */
  readonly text: string
}

const MAPPED_PREFIX = 0xffffn << 32n

/**
 * Parses one address. A zone id (`fe80::1%eth0`) is dropped when `allowZone` is set (socket
 * addresses), refused otherwise (policy text). Returns undefined for anything else.
 */
export function parseIpAddress(text: string, options: { allowZone?: boolean } = {}): IpAddress | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined
  let source = text
  const percent = text.indexOf('%')
  if (percent >= 0) {
    if (!options.allowZone) return undefined
    source = text.slice(0, percent)
  }
  const kind = isIP(source)
  if (kind === 0) return undefined
  // An embedded dotted quad must itself be a standard one (no leading zeros, as for IPv4).
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(source)
  if (quad && quad.slice(1).some((octet) => octet.length > 1 && octet.startsWith('0'))) return undefined
  let parsed: ipaddr.IPv4 | ipaddr.IPv6
  try {
    parsed = ipaddr.parse(source)
  } catch {
    return undefined
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  const bits = fromBytes(parsed.toByteArray())
  if (parsed.kind() === 'ipv4') return { version: 4, bits, bits128: MAPPED_PREFIX | bits, text: parsed.toString() }
  return { version: 6, bits, bits128: bits, text: (parsed as ipaddr.IPv6).toRFC5952String() }
}

/** Parses `address` or `address/prefix`; a bare address is a network of one. */
export function parseIpNetwork(text: string): IpNetwork | undefined {
  if (typeof text !== 'string') return undefined
  const slash = text.indexOf('/')
  const addressText = slash < 0 ? text : text.slice(0, slash)
  const address = parseIpAddress(addressText)
  if (!address) return undefined
  // A mapped spelling written with an IPv6 prefix (`::ffff:10.0.0.0/104`) keeps 128-bit lengths.
  const writtenAsV6 = addressText.includes(':')
  const width = writtenAsV6 ? 128 : 32
  let prefixLength = width
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1)
    if (!/^(?:0|[1-9]\d{0,2})$/.test(lengthText)) return undefined
    prefixLength = Number(lengthText)
    if (prefixLength > width) return undefined
  }
  const prefixLength128 = writtenAsV6 ? prefixLength : 96 + prefixLength
  const network = maskBits(address.bits128, prefixLength128)
  const version = address.version === 4 && prefixLength128 >= 96 ? 4 : 6
  return { version, bits128: address.bits128, prefixLength128, text: describeNetwork(network, prefixLength128) }
}

export function networkContains(network: IpNetwork, address: IpAddress): boolean {
  if (network.version !== address.version) return false
  return maskBits(network.bits128, network.prefixLength128) === maskBits(address.bits128, network.prefixLength128)
}

/**
 * A key that groups the addresses one client is likely to hold, for rate limits: the IPv4
 * address itself (whatever its spelling), or the /64 of an IPv6 address. Unparsable text is
 * returned as it is.
 */
export function clientAddressKey(text: string): string {
  const address = parseIpAddress(text, { allowZone: true })
  if (!address) return text
  if (address.version === 4) return `v4:${address.text}`
  return `v6:${(address.bits >> 64n).toString(16)}/64`
}

function fromBytes(bytes: readonly number[]): bigint {
  let bits = 0n
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte)
  return bits
}

function maskBits(bits: bigint, prefixLength128: number): bigint {
  const hostBits = BigInt(128 - prefixLength128)
  return (bits >> hostBits) << hostBits
}

function describeNetwork(bits: bigint, prefixLength128: number): string {
  if (prefixLength128 >= 96 && bits >> 32n === 0xffffn) {
    const v4 = Number(bits & 0xffffffffn)
    return `${[24, 16, 8, 0].map((s) => (v4 >>> s) & 255).join('.')}/${prefixLength128 - 96}`
  }
  const bytes: number[] = []
  for (let s = 120n; s >= 0n; s -= 8n) bytes.push(Number((bits >> s) & 255n))
  return `${(ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String()}/${prefixLength128}`
}
