import { compileWildcard, type WildcardMatcher } from './wildcard.js'

/** A bucket's anti-leech configuration (Put/GetBucketReferer). */
export interface RefererConfig {
  /** Entries may hold `*` and `?`. */
  readonly whitelist: readonly string[]
  readonly allowEmpty: boolean
}

export interface RefererRequest {
  /** The Referer header; absent or empty counts as empty. */
  readonly referer?: string
  /** A request signed in its Authorization header is never checked. */
  readonly hasAuthorizationHeader: boolean
}

export const REFERER_REASONS = {
  'authorization-header': 'requests signed in the Authorization header are not checked',
  'empty-whitelist': 'an empty whitelist checks nothing',
  'empty-allowed': 'the Referer is empty, and empty Referers are allowed',
  'empty-refused': 'the Referer is empty, and empty Referers are not allowed',
  whitelisted: 'the Referer matches a whitelist entry',
  'not-whitelisted': 'the Referer matches no whitelist entry',
} as const
export type RefererReason = keyof typeof REFERER_REASONS

export interface RefererDecision {
  readonly allowed: boolean
  readonly reason: RefererReason
  readonly entry?: string
}

export type RefererChecker = (request: RefererRequest) => RefererDecision

/**
 * Compiles a referer configuration (seed 6.2). The check applies only to anonymous and
 * signed-URL requests, never when an Authorization header is present. An entry matches when it
 * matches the start of the Referer ("the Referer check is based on prefix matching"), with `*`
 * and `?` as wildcards: `http://userdomain/` admits `http://userdomain/error.html`, and
 * `http://*.userdomain/` admits `http://img.userdomain/error.html`.
 */
export function compileRefererConfig(config: RefererConfig): RefererChecker {
  const entries: { text: string; matches: WildcardMatcher }[] = config.whitelist.map((text) => ({
    text,
    matches: compileWildcard(text.endsWith('*') ? text : `${text}*`),
  }))
  return function checkReferer(request) {
    if (request.hasAuthorizationHeader) return { allowed: true, reason: 'authorization-header' }
    if (entries.length === 0) return { allowed: true, reason: 'empty-whitelist' }
    const referer = request.referer ?? ''
    if (referer === '') {
      return config.allowEmpty ? { allowed: true, reason: 'empty-allowed' } : { allowed: false, reason: 'empty-refused' }
    }
    const entry = entries.find((e) => e.matches(referer))
    return entry ? { allowed: true, reason: 'whitelisted', entry: entry.text } : { allowed: false, reason: 'not-whitelisted' }
  }
}
