/**
 * Glob matching for RAM policies: `*` matches any run of characters (including none, and
 * including `/`), `?` matches exactly one character. Characters are Unicode code points, so
 * `?` consumes a whole astral character, never half of a surrogate pair.
 *
 * The pattern is split on `*` into segments once, at compile time. A value matches when the
 * first segment matches at its start, the last at its end, and each middle segment can be found,
 * leftmost first, after the previous one. Leftmost placement is always safe because every
 * segment has a fixed length in code points, so nothing is ever retried: for a fixed pattern the
 * cost is linear in the value, and it is never worse than O(pattern * value). No RegExp is built
 * from policy text.
 */

const ANY_ONE = -1

/** One `*`-free run of the pattern: code points, with ANY_ONE standing for `?`. */
interface Segment {
  readonly text: string
  readonly tokens: readonly number[]
  readonly hasAnyOne: boolean
}

export type WildcardMatcher = (value: string) => boolean

/** Compiles a glob into a matcher; the common shapes get a direct string comparison. */
export function compileWildcard(pattern: string): WildcardMatcher {
  const starAt = pattern.indexOf('*')
  const hasAnyOne = pattern.includes('?')
  if (starAt === -1 && !hasAnyOne) return (value) => value === pattern
  if (pattern === '*') return () => true
  if (!hasAnyOne && starAt === pattern.length - 1) {
    const prefix = pattern.slice(0, -1)
    return (value) => value.startsWith(prefix)
  }
  const segments = pattern.split('*').map(toSegment)
  return (value) => matchSegments(segments, value)
}

/** Matches once without keeping the compiled form; for one-off checks. */
export function matchWildcard(pattern: string, value: string): boolean {
  return compileWildcard(pattern)(value)
}

/** True when the text holds `*` or `?`, i.e. it is a pattern rather than a literal. */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?')
}

function toSegment(text: string): Segment {
  const tokens: number[] = []
  for (const char of text) tokens.push(char === '?' ? ANY_ONE : (char.codePointAt(0) ?? 0))
  return { text, tokens, hasAnyOne: text.includes('?') }
}

function matchSegments(segments: readonly Segment[], value: string): boolean {
  const first = segments[0]
  if (first === undefined) return value.length === 0
  if (segments.length === 1) return matchAt(first, value, 0) === value.length

  let position = matchAt(first, value, 0)
  if (position < 0) return false

  const last = segments[segments.length - 1] as Segment
  for (let i = 1; i < segments.length - 1; i++) {
    const end = findFrom(segments[i] as Segment, value, position)
    if (end < 0) return false
    position = end
  }

  const lastStart = startOfSuffix(value, last.tokens.length)
  if (lastStart < position) return false
  return matchAt(last, value, lastStart) === value.length
}

/** Matches a segment at `start`; returns the index just after it, or -1. */
function matchAt(segment: Segment, value: string, start: number): number {
  let i = start
  for (const token of segment.tokens) {
    if (i >= value.length) return -1
    const codePoint = value.codePointAt(i) as number
    if (token !== ANY_ONE && token !== codePoint) return -1
    i += codePoint > 0xffff ? 2 : 1
  }
  return i
}

/** Finds the leftmost occurrence of a segment at or after `from`; returns the index after it. */
function findFrom(segment: Segment, value: string, from: number): number {
  if (!segment.hasAnyOne) {
    const at = value.indexOf(segment.text, from)
    return at < 0 ? -1 : at + segment.text.length
  }
  for (let start = from; start < value.length; ) {
    const end = matchAt(segment, value, start)
    if (end >= 0) return end
    start += (value.codePointAt(start) as number) > 0xffff ? 2 : 1
  }
  return segment.tokens.length === 0 ? from : -1
}

/** Index where the last `count` code points of the value begin, or -1 if it is shorter. */
function startOfSuffix(value: string, count: number): number {
  let i = value.length
  for (let n = 0; n < count; n++) {
    if (i <= 0) return -1
    const low = value.charCodeAt(i - 1)
    const high = i >= 2 ? value.charCodeAt(i - 2) : 0
    i -= low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? 2 : 1
  }
  return i
}
