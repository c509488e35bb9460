import type { ConditionFamily } from './operator.js'

export interface ConditionKeySpec {
  readonly name: string
  readonly family: ConditionFamily
}

const KEYS: readonly ConditionKeySpec[] = [
  { name: 'acs:SourceIp', family: 'ip' },
  { name: 'acs:SourceVpc', family: 'string' },
  { name: 'acs:UserAgent', family: 'string' },
  { name: 'acs:CurrentTime', family: 'date' },
  { name: 'acs:SecureTransport', family: 'bool' },
  { name: 'acs:AccessId', family: 'string' },
  { name: 'acs:MFAPresent', family: 'bool' },
  { name: 'oss:Prefix', family: 'string' },
  { name: 'oss:Delimiter', family: 'string' },
]

const TAG_KEY_PREFIXES = ['oss:BucketTag/', 'oss:ExistingObjectTag/', 'oss:RequestObjectTag/', 'acs:ResourceTag/']

const BY_LOWER = new Map(KEYS.map((k) => [k.name.toLowerCase(), k]))

/**
 * Resolves a condition key whatever its case, for hints; `spelt` tells whether it is written as
 * RAM documents it (a tag key's own name, after the prefix, is free). Tag keys keep the tag name
 * as written.
 */
export function lookupConditionKey(name: string): (ConditionKeySpec & { readonly spelt: boolean }) | undefined {
  const known = BY_LOWER.get(name.toLowerCase())
  if (known) return { ...known, spelt: known.name === name }
  const prefix = TAG_KEY_PREFIXES.find((p) => name.toLowerCase().startsWith(p.toLowerCase()))
  if (prefix && name.length > prefix.length) {
    return { name: prefix + name.slice(prefix.length), family: 'string', spelt: name.startsWith(prefix) }
  }
  return undefined
}

export const CONDITION_KEY_NAMES: readonly string[] = [...KEYS.map((k) => k.name), ...TAG_KEY_PREFIXES.map((p) => `${p}<tag>`)]

/**
 * Which operator families may be applied to a key of a family. String operators read any value
 * as text, and numeric operators parse text, so only the IP, date and bool families are strict.
 */
export function familyAccepts(keyFamily: ConditionFamily, operatorFamily: ConditionFamily): boolean {
  if (operatorFamily === 'string' || operatorFamily === 'numeric') return keyFamily !== 'ip' || operatorFamily === 'string'
  return keyFamily === operatorFamily
}
