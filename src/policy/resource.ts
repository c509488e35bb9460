import { compileWildcard, searchPasses, type WildcardMatcher } from './wildcard.js'

/**
 * OSS resource names: `acs:oss:REGION:ACCOUNT:BUCKET[/KEY]`. The relative id (after the fourth
 * colon) may itself hold colons, since object keys can.
 */
export interface ResourceName {
  readonly service: string
  readonly region: string
  readonly account: string
  /** `bucket`, `bucket/key`, or `*` for the service itself (ListBuckets). */
  readonly relative: string
}

export function splitResourceName(arn: string): ResourceName | undefined {
  // Hot path (every decision): the four colons by index, no intermediate array.
  const first = arn.indexOf(':')
  if (first !== 3 || !arn.startsWith('acs')) return undefined
  const second = arn.indexOf(':', first + 1)
  if (second < 0) return undefined
  const third = arn.indexOf(':', second + 1)
  if (third < 0) return undefined
  const fourth = arn.indexOf(':', third + 1)
  if (fourth < 0) return undefined
  return {
    service: arn.slice(first + 1, second),
    region: arn.slice(second + 1, third),
    account: arn.slice(third + 1, fourth),
    relative: arn.slice(fourth + 1),
  }
}

export function bucketArn(bucket: string, account: string, region = '*'): string {
  return `acs:oss:${region}:${account}:${bucket}`
}

export function objectArn(bucket: string, key: string, account: string, region = '*'): string {
  return `acs:oss:${region}:${account}:${bucket}/${key}`
}

/** The resource that ListBuckets is authorised against: a literal `*` relative id. */
export function serviceArn(account: string, region = '*'): string {
  return `acs:oss:${region}:${account}:*`
}

/** A compiled `Resource` pattern: each segment globbed on its own, so `*` never spans a `:`. */
export interface ResourcePattern {
  readonly text: string
  readonly matches: (target: ResourceName) => boolean
  /** Passes over a resource name one match may make (wildcard.ts `searchPasses`). */
  readonly searches: number
}

export type ResourceCheck =
  | { readonly ok: true; readonly pattern: ResourcePattern }
  | { readonly ok: false; readonly code: ResourceIssueCode; readonly message: string }

export type ResourceIssueCode =
  | 'resource.format'
  | 'resource.service'
  | 'resource.region'
  | 'resource.bucket'

const BUCKET_PATTERN = /^[a-z0-9*?][a-z0-9*?-]*$/

export function compileResource(entry: string): ResourceCheck {
  if (entry === '*') return { ok: true, pattern: { text: entry, matches: () => true, searches: 0 } }
  if (/\s/.test(entry)) {
    return { ok: false, code: 'resource.format', message: `"${entry}" holds white space` }
  }
  const name = splitResourceName(entry)
  if (!name) {
    return {
      ok: false,
      code: 'resource.format',
      message: `"${entry}" is not a resource: expected "acs:oss:*:ACCOUNT:BUCKET[/KEY]"`,
    }
  }
  if (name.service !== 'oss' && name.service !== '*') {
    return { ok: false, code: 'resource.service', message: `"${entry}" names service "${name.service}", not oss` }
  }
  if (name.region !== '*') {
    return {
      ok: false,
      code: 'resource.region',
      message: `"${entry}": the region of an OSS resource in a policy can only be "*"`,
    }
  }
  const slash = name.relative.indexOf('/')
  const bucket = slash < 0 ? name.relative : name.relative.slice(0, slash)
  if (bucket === '' || !BUCKET_PATTERN.test(bucket)) {
    return {
      ok: false,
      code: 'resource.bucket',
      message: `"${entry}": "${bucket}" is not a bucket name (lower-case letters, digits, "-")`,
    }
  }
  const account = compileWildcard(name.account)
  const relative = compileWildcard(name.relative)
  const serviceMatches: WildcardMatcher = compileWildcard(name.service)
  return {
    ok: true,
    pattern: {
      text: entry,
      matches: (target) =>
        serviceMatches(target.service) && account(target.account) && relative(target.relative),
      searches: searchPasses(name.service) + searchPasses(name.account) + searchPasses(name.relative),
    },
  }
}
