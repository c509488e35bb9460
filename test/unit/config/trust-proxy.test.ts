import { describe, expect, it } from 'vitest'
import { ConfigInvalidError } from '../../../src/errors.js'
import { parseConfig } from '../../../src/config/load.js'

const valid = {
  oss: { bucket: 'app-base-oss', region: 'cn-hangzhou', account: '1234' },
  policies: { scopes: { read: 'policies/templates/read.json' } },
}
const withTrust = (trustProxy: unknown) => parseConfig({ ...valid, server: { trustProxy } }, '/x/config.json', {})

describe('server.trustProxy', () => {
  it('refuses true, naming the setting: any client could pick its address with X-Forwarded-For', () => {
    expect(() => withTrust(true)).toThrow(ConfigInvalidError)
    expect(() => withTrust(true)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ pointer: '/server/trustProxy', code: 'config.trust-proxy' })] }),
    )
  })

  it('accepts a hop count, addresses, CIDRs, netmasks and express\'s named ranges', () => {
    expect(withTrust(1).server.trustProxy).toBe(1)
    expect(withTrust(false).server.trustProxy).toBe(false)
    expect(withTrust('loopback, 10.0.0.0/8').server.trustProxy).toBe('loopback, 10.0.0.0/8')
    expect(withTrust(['192.168.1.7', 'fd00::/8', '10.0.0.0/255.0.0.0', 'uniquelocal']).server.trustProxy).toHaveLength(4)
    expect(parseConfig(valid, '/x/config.json', {}).server.trustProxy).toBe(false)
  })

  it('refuses what is not an address, a CIDR or a named range, each with its own issue', () => {
    for (const bad of ['*', 'all', '10.0.0.0/33', '::1/129', '10.0.0.0/255.0.255.0', 'proxy.internal', '1.2.3.4, nope']) {
      expect(() => withTrust(bad), bad).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ pointer: '/server/trustProxy' })] }))
    }
    expect(() => withTrust(-1)).toThrow(ConfigInvalidError)
    expect(() => withTrust('')).toThrow(ConfigInvalidError)
    expect(() => withTrust([])).toThrow(ConfigInvalidError)
  })
})
