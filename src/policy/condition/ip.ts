import { isIPv4, isIPv6 } from 'node:net'
import type { ConditionOperator } from './operator.js'

/** An address as a bit string: 32 bits for IPv4, 128 for IPv6. */
interface Address {
  readonly version: 4 | 6
  readonly bits: bigint
}

interface Network extends Address {
  readonly prefixLength: number
}

/** Parses an address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is read as the IPv4 address. */
export function parseIpAddress(text: string): Address | undefined {
  if (isIPv4(text)) return { version: 4, bits: ipv4Bits(text) }
  if (!isIPv6(text)) return undefined
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)
  if (mapped && isIPv4(mapped[1] as string)) return { version: 4, bits: ipv4Bits(mapped[1] as string) }
  return { version: 6, bits: ipv6Bits(text) }
}

/** Parses `addr` or `addr/len`; a bare address is a network of one. */
export function parseCidr(text: string): Network | undefined {
  const slash = text.indexOf('/')
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash))
  if (!address) return undefined
  const width = address.version === 4 ? 32 : 128
  if (slash < 0) return { ...address, prefixLength: width }
  const lengthText = text.slice(slash + 1)
  if (!/^\d{1,3}$/.test(lengthText)) return undefined
  const prefixLength = Number(lengthText)
  if (prefixLength > width) return undefined
  return { ...address, prefixLength }
}

export function networkContains(network: Network, address: Address): boolean {
  if (network.version !== address.version) return false
  const width = network.version === 4 ? 32n : 128n
  const shift = width - BigInt(network.prefixLength)
  return network.bits >> shift === address.bits >> shift
}

function ipv4Bits(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n)
}

function ipv6Bits(text: string): bigint {
  let source = text.replace(/%.*$/, '')
  // A trailing dotted quad (`::ffff:10.0.0.1`, `64:ff9b::1.2.3.4`) stands for the last two words.
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(source)
  if (embedded) {
    const v4 = ipv4Bits(embedded[1] as string)
    source = `${source.slice(0, embedded.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
  }
  const toWords = (part: string): number[] => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)))
  const gap = source.indexOf('::')
  const words =
    gap < 0
      ? toWords(source)
      : (() => {
          const head = toWords(source.slice(0, gap))
          const tail = toWords(source.slice(gap + 2))
          return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
        })()
  return words.reduce((acc, word) => (acc << 16n) | BigInt(word), 0n)
}

function ipOperator(name: string, negated: boolean): ConditionOperator {
  return {
    name,
    family: 'ip',
    negated,
    compile(values) {
      const networks: Network[] = []
      for (const value of values) {
        const network = parseCidr(value)
        if (!network) {
          return { ok: false, message: `${name} needs an IPv4 or IPv6 address or CIDR block; got ${JSON.stringify(value)}` }
        }
        networks.push(network)
      }
      return {
        ok: true,
        test(actual) {
          const address = parseIpAddress(actual)
          return address !== undefined && networks.some((n) => networkContains(n, address))
        },
      }
    },
  }
}

export const IP_OPERATORS: readonly ConditionOperator[] = [
  ipOperator('IpAddress', false),
  ipOperator('NotIpAddress', true),
]
