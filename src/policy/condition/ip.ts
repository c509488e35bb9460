import { networkContains, parseIpAddress, parseIpNetwork, type IpNetwork } from '../../lib/ip.js'
import type { ConditionOperator } from './operator.js'

// Kept for callers of the old module; the parsing lives in lib/ip.ts.
export { parseIpAddress, parseIpNetwork as parseCidr, networkContains } from '../../lib/ip.js'

/**
 * `IpAddress` / `NotIpAddress`: policy values are addresses or CIDR blocks, the request value is
 * the caller's address. Both sides are compared as 128-bit numbers with IPv4 in its mapped form,
 * so no spelling of an address (`::ffff:1.2.3.4`, `::ffff:102:304`, ...) escapes a list.
 */
function ipOperator(name: string, negated: boolean): ConditionOperator {
  return {
    name,
    family: 'ip',
    negated,
    compile(values) {
      const networks: IpNetwork[] = []
      for (const value of values) {
        const network = parseIpNetwork(value)
        if (!network) {
          return { ok: false, message: `${name} needs an IPv4 or IPv6 address or CIDR block; got ${JSON.stringify(value.slice(0, 80))}` }
        }
        networks.push(network)
      }
      return {
        ok: true,
        test(actual) {
          const address = parseIpAddress(actual, { allowZone: true })
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
