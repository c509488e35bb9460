import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clientAddressKey, networkContains, parseIpAddress, parseIpNetwork } from '../../../src/lib/ip.js'
import { evaluate } from '../../../src/policy/evaluate.js'
import { parsePolicy } from '../../../src/policy/parse.js'

const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
const hex4 = (n: number, pad: boolean, upper: boolean) => {
  const h = n.toString(16).padStart(pad ? 4 : 1, '0')
  return upper ? h.toUpperCase() : h
}

/** Every way of writing the IPv4-mapped IPv6 form of an IPv4 address. */
function mappedSpellings([a, b, c, d]: [number, number, number, number], pad: boolean, upper: boolean): string[] {
  const quad = `${a}.${b}.${c}.${d}`
  const high = hex4(a * 256 + b, pad, upper)
  const low = hex4(c * 256 + d, pad, upper)
  const ffff = upper ? 'FFFF' : 'ffff'
  return [
    `::${ffff}:${quad}`,
    `::${ffff}:${high}:${low}`,
    `0:0:0:0:0:${ffff}:${quad}`,
    `0000:0000:0000:0000:0000:${ffff}:${high}:${low}`,
    `0::${ffff}:${high}:${low}`,
  ]
}

describe('parseIpAddress normalises every IPv4-mapped spelling (issue 12 item 14)', () => {
  it.each(['::ffff:1.2.3.4', '::ffff:102:304', '::ffff:0102:0304', '0:0:0:0:0:ffff:1.2.3.4', '::FFFF:102:304'])('%s is 1.2.3.4', (text) => {
    expect(parseIpAddress(text)).toMatchObject({ version: 4, text: '1.2.3.4', bits: 0x01020304n })
  })

  it('gives one number for all spellings of an address (property)', () => {
    fc.assert(
      fc.property(octets, fc.boolean(), fc.boolean(), (o, pad, upper) => {
        const plain = parseIpAddress(o.join('.'))
        expect(plain?.version).toBe(4)
        for (const spelling of mappedSpellings(o, pad, upper)) {
          expect(parseIpAddress(spelling), spelling).toEqual(plain)
          expect(clientAddressKey(spelling)).toBe(clientAddressKey(o.join('.')))
        }
      }),
      { numRuns: 500 },
    )
  })

  it('contains exactly the addresses a 32-bit mask says (property)', () => {
    fc.assert(
      fc.property(octets, octets, fc.integer({ min: 0, max: 32 }), fc.boolean(), (net, addr, prefix, mapped) => {
        const toInt = (o: number[]) => o.reduce((acc, x) => acc * 256 + x, 0)
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
        const expected = ((toInt(net) & mask) >>> 0) === ((toInt(addr) & mask) >>> 0)
        const network = parseIpNetwork(`${net.join('.')}/${prefix}`)
        const spelling = mapped ? (mappedSpellings(addr as [number, number, number, number], false, false)[1] as string) : addr.join('.')
        const address = parseIpAddress(spelling)
        expect(network && address && networkContains(network, address)).toBe(expected)
      }),
      { numRuns: 1_000 },
    )
  })

  it('reads a mapped CIDR block as the IPv4 block', () => {
    const network = parseIpNetwork('::ffff:10.0.0.0/104')
    expect(network).toMatchObject({ version: 4, text: '10.0.0.0/8' })
    expect(networkContains(network!, parseIpAddress('10.9.9.9')!)).toBe(true)
    expect(parseIpNetwork('::ffff:0:0/96')).toMatchObject({ version: 4, text: '0.0.0.0/0' })
  })

  it.each(['01.2.3.4', '127.1', '0x7f.0.0.1', '1.2.3.4.5', '1.2.3.256', '::ffff:01.2.3.4', 'fe80::1%eth0', ':::1', '', 'localhost', '1.2.3.4 '])(
    'refuses %j as a policy address',
    (text) => {
      expect(parseIpAddress(text)).toBeUndefined()
      expect(parseIpNetwork(text)).toBeUndefined()
    },
  )

  it.each(['1.2.3.0/33', '2001:db8::/129', '1.2.3.0/08', '1.2.3.0/', '1.2.3.0/-1'])('refuses the block %j', (text) => {
    expect(parseIpNetwork(text)).toBeUndefined()
  })

  it('drops a zone id only for socket addresses', () => {
    expect(parseIpAddress('fe80::1%eth0', { allowZone: true })).toMatchObject({ version: 6, text: 'fe80::1' })
  })

  it('groups IPv6 clients per /64', () => {
    expect(clientAddressKey('2001:db8:1:2::1')).toBe(clientAddressKey('2001:db8:1:2:ffff::9'))
    expect(clientAddressKey('2001:db8:1:2::1')).not.toBe(clientAddressKey('2001:db8:1:3::1'))
  })
})

describe('an IpAddress deny-list holds for every spelling of the address', () => {
  const policy = parsePolicy({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' },
      { Effect: 'Deny', Action: 'oss:GetObject', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': ['1.2.3.0/24', '::ffff:5.6.7.8'] } } },
    ],
  })
  it.each(['1.2.3.4', '::ffff:1.2.3.4', '::ffff:102:304', '::ffff:0102:0304', '0:0:0:0:0:ffff:1.2.3.4', '5.6.7.8', '::ffff:506:708'])(
    'request from %s is denied',
    (ip) => {
      const result = evaluate([policy], { action: 'oss:GetObject', resource: 'acs:oss:*:1:bkt/a', context: { 'acs:SourceIp': ip } })
      expect(result.decision).toBe('ExplicitDeny')
    },
  )
  it('a request from elsewhere is allowed', () => {
    const result = evaluate([policy], { action: 'oss:GetObject', resource: 'acs:oss:*:1:bkt/a', context: { 'acs:SourceIp': '::ffff:1.2.4.4' } })
    expect(result.decision).toBe('Allow')
  })
})
