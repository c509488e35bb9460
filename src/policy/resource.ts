import { compileWildcard, compileWildcardAt, hasWildcard, searchPasses, type WildcardMatcher } from './wildcard.js'

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
  // Hot path (every decision): the four colons by index; the parts are cut out only when read.
  const first = arn.indexOf(':')
  if (first !== 3 || !arn.startsWith('acs')) return undefined
  const second = arn.indexOf(':', first + 1)
  if (second < 0) return undefined
  const third = arn.indexOf(':', second + 1)
  if (third < 0) return undefined
  const fourth = arn.indexOf(':', third + 1)
  if (fourth < 0) return undefined
  return new SplitArn(arn, second, third, fourth)
}

/** A resource name as the text it came from and where its parts start (no part is copied). */
class SplitArn implements ResourceName {
  readonly arn: string
  readonly regionStart: number
  readonly accountStart: number
  readonly relativeStart: number

  constructor(arn: string, second: number, third: number, fourth: number) {
    this.arn = arn
    this.regionStart = second + 1
    this.accountStart = third + 1
    this.relativeStart = fourth + 1
  }

  get service(): string {
    return this.arn.slice(4, this.regionStart - 1)
  }

  get region(): string {
    return this.arn.slice(this.regionStart, this.accountStart - 1)
  }

  get account(): string {
    return this.arn.slice(this.accountStart, this.relativeStart - 1)
  }

  get relative(): string {
    return this.arn.slice(this.relativeStart)
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
  const relative = compileWildcard(name.relative)
  const searches = searchPasses(name.service) + searchPasses(name.account) + searchPasses(name.relative)
  // The usual form (`acs:oss:*:*:...`, `acs:oss:*:ACCOUNT:...`) is matched on the request's ARN
  // in place: one comparison per part, no part cut out.
  const service = name.service
  const relativeAt = compileWildcardAt(name.relative)
  if ((service === 'oss' || service === '*') && !hasWildcard(name.account.replace(/^\*$/, ''))) {
    const anyService = service === '*'
    const account = name.account
    const anyAccount = account === '*'
    return {
      ok: true,
      pattern: {
        text: entry,
        matches: (target) => {
          if (!(target instanceof SplitArn)) {
            return (anyService || target.service === 'oss') && (anyAccount || target.account === account) && relative(target.relative)
          }
          const arn = target.arn
          if (!anyService && !(target.regionStart === 8 && arn.startsWith('oss', 4))) return false
          if (!anyAccount && !(target.relativeStart - 1 - target.accountStart === account.length && arn.startsWith(account, target.accountStart))) return false
          return relativeAt(arn, target.relativeStart)
        },
        searches,
      },
    }
  }
  const accountMatches = compileWildcard(name.account)
  const serviceMatches: WildcardMatcher = compileWildcard(service)
  return {
    ok: true,
    pattern: {
      text: entry,
      matches: (target) =>
        serviceMatches(target.service) && accountMatches(target.account) && relative(target.relative),
      searches,
    },
  }
}
