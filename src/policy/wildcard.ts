/**
 * Glob matching for RAM policies: `*` matches any run of characters (including none, and
 * including `/`), `?` matches exactly one character. Characters are Unicode code points, so
 * `?` consumes a whole astral character, never half of a surrogate pair. No RegExp is built
 * from policy text.
 *
 * The common shapes (`lit`, `*`, `lit*`, `*lit`) are one string comparison. Otherwise the pattern
 * is split on `*` into segments once, at compile time, and a value matches when the first segment
 * matches at its start, the last at its end, and each middle segment can be found, leftmost
 * first, after the previous one. Leftmost placement is always safe because every segment has a
 * fixed length in code points, so nothing is ever retried. Each middle segment is searched in
 * time linear in the text it scans. When neither the pattern nor the value holds a surrogate (a
 * code point is then one UTF-16 unit) the string is read directly: bit-parallel Shift-And over
 * its char codes for a segment of up to 32 units or one holding `?` (one word per 32 units, and
 * a `?` segment is at most MAX_ANY_ONE_SEGMENT long), V8's own substring search (Boyer-Moore,
 * linear for a first occurrence) for a longer literal. Otherwise the value is read as code
 * points: Knuth-Morris-Pratt for a literal segment, Shift-And for one holding `?`. Since each
 * search resumes where the previous one ended, a whole match costs O(value * words + pattern),
 * and the tables of a segment are built on its first search, so checking a policy builds none.
 */

const ANY_ONE = -1

/** The longest `*`-free run holding a `?` that a policy may use, in code points. */
export const MAX_ANY_ONE_SEGMENT = 256

/** Counts the elementary steps of a match, for tests of its complexity. */
export interface StepMeter {
  steps: number
}

export type WildcardMatcher = (value: string) => boolean

interface Segment {
  /** Code points, with ANY_ONE standing for `?`. */
  readonly tokens: Int32Array
  /** KMP failure function, for a segment without `?`. */
  readonly failure?: Int32Array
  /** Shift-And tables, for a segment with `?`. */
  readonly shiftAnd?: ShiftAnd
}

interface ShiftAnd {
  readonly words: number
  /** For a one-word segment: the mask of each ASCII code point, as a 32-bit integer. */
  readonly ascii: Int32Array
  /** Per code point of the segment: the positions it (or a `?`) may stand at. */
  readonly masks: ReadonlyMap<number, Uint32Array>
  /** The positions any other code point may stand at: the `?`s. */
  readonly other: Uint32Array
}

/** Compiles a glob into a matcher; the common shapes get a direct string comparison. */
export function compileWildcard(pattern: string): WildcardMatcher {
  const starAt = pattern.indexOf('*')
  const hasAnyOne = pattern.includes('?')
  if (starAt === -1 && !hasAnyOne) return (value) => value === pattern
  if (pattern === '*') return () => true
  const lastStar = pattern.lastIndexOf('*')
  // A lone surrogate at an end of the pattern could match half of a character as UTF-16: such
  // a pattern is matched as code points below.
  const plain = !SURROGATE.test(pattern)
  if (plain && !hasAnyOne && starAt === pattern.length - 1 && starAt === lastStar) {
    const prefix = pattern.slice(0, -1)
    return (value) => value.startsWith(prefix)
  }
  if (plain && !hasAnyOne && starAt === 0 && lastStar === 0) {
    const suffix = pattern.slice(1)
    return (value) => value.endsWith(suffix)
  }
  // No native first look (`value.includes(run)`) here: V8's substring search costs several ns
  // per character on a crafted value, more than the whole match below.
  const units = plain ? compileUnits(pattern) : undefined
  let points: readonly Segment[] | undefined
  return (value) => {
    // Without surrogates a code point is one UTF-16 unit, and the string itself is matched.
    if (units && !hasSurrogate(value)) return matchUnits(units, value)
    points ??= pattern.split('*').map(toSegment)
    return matchSegments(points, toCodePoints(value))
  }
}

/**
 * Like `compileWildcard`, for the text from `start` on: the common shapes compare in place, so a
 * part of a longer string (a resource's bucket and key) is matched without being cut out.
 */
export function compileWildcardAt(pattern: string): (text: string, start: number) => boolean {
  const starAt = pattern.indexOf('*')
  const plain = !pattern.includes('?') && !SURROGATE.test(pattern)
  if (plain && starAt === -1) return (text, start) => text.length - start === pattern.length && text.startsWith(pattern, start)
  if (pattern === '*') return () => true
  if (plain && starAt === pattern.length - 1 && starAt === pattern.lastIndexOf('*')) {
    const prefix = pattern.slice(0, -1)
    return (text, start) => text.startsWith(prefix, start)
  }
  const matcher = compileWildcard(pattern)
  return (text, start) => matcher(text.slice(start))
}

/** Matches once without keeping the compiled form; for one-off checks. */
export function matchWildcard(pattern: string, value: string): boolean {
  return compileWildcard(pattern)(value)
}

/**
 * The general algorithm with a step count, whatever the pattern's shape (for tests): the UTF-16
 * path when neither side holds a surrogate (as `compileWildcard` does), else the code-point one.
 * A native substring search counts one step per character it passes over.
 */
export function matchWildcardMetered(pattern: string, value: string, meter: StepMeter): boolean {
  const units = compileUnits(pattern)
  if (units && !hasSurrogate(value)) return matchUnits(units, value, meter)
  return matchSegments(pattern.split('*').map(toSegment), toCodePoints(value), meter)
}

/**
 * How many passes over a value one match of this pattern may make: 0 when it is anchored at both
 * ends or has a single `*` (a comparison at each end), else one pass per 32 characters of its
 * longest segment between two `*`s (the searches for successive segments resume where the last
 * one ended, so together they read the value once per word of state).
 */
export function searchPasses(pattern: string): number {
  const first = pattern.indexOf('*')
  const last = pattern.lastIndexOf('*')
  if (first < 0 || first === last) return 0
  let passes = 0
  let start = first + 1
  for (let i = start; i <= last; i++) {
    if (pattern.charCodeAt(i) !== 42) continue
    if (i > start) passes = Math.max(passes, Math.ceil((i - start) / 32))
    start = i + 1
  }
  return passes
}

/** True when the text holds `*` or `?`, i.e. it is a pattern rather than a literal. */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?')
}

/** Why a pattern is refused, or undefined: a `?` segment longer than MAX_ANY_ONE_SEGMENT. */
export function wildcardProblem(pattern: string): string | undefined {
  if (!pattern.includes('?')) return undefined
  for (const segment of pattern.split('*')) {
    if (!segment.includes('?')) continue
    let length = 0
    for (const _ of segment) length++
    if (length > MAX_ANY_ONE_SEGMENT) {
      return `a run of ${length} characters between "*"s holds "?"; at most ${MAX_ANY_ONE_SEGMENT} are accepted`
    }
  }
  return undefined
}

const SURROGATE = /[\ud800-\udfff]/

let lastChecked: string | undefined
let lastHadSurrogate = false

/** True when the text holds a surrogate (an astral character, or half of one); remembered. */
function hasSurrogate(text: string): boolean {
  if (text !== lastChecked) {
    lastChecked = text
    lastHadSurrogate = SURROGATE.test(text)
  }
  return lastHadSurrogate
}

/**
 * A pattern without surrogates, matched directly on UTF-16 text: a literal segment is found with
 * the engine's own substring search (String.prototype.indexOf, which V8 runs as a Boyer-Moore
 * search: linear for a first occurrence), a segment with `?` by Shift-And over char codes.
 */
interface UnitSegment {
  readonly text: string
  readonly length: number
  /** Shift-And tables, built on the first search (a check of a policy never needs them). */
  shiftAnd?: UnitShiftAnd | undefined
  readonly anyOne: boolean
}

interface UnitShiftAnd {
  readonly words: number
  /** One-word segments: the mask of each char code below 256 (others use `masks`). */
  readonly low: Int32Array
  readonly masks: ReadonlyMap<number, Uint32Array>
  readonly other: Uint32Array
}

function compileUnits(pattern: string): UnitSegment[] | undefined {
  if (SURROGATE.test(pattern)) return undefined
  return pattern.split('*').map((text) => ({ text, length: text.length, anyOne: text.includes('?'), shiftAnd: undefined }))
}

function matchUnits(segments: readonly UnitSegment[], value: string, meter?: StepMeter): boolean {
  const first = segments[0] as UnitSegment
  if (meter) meter.steps += first.length
  if (segments.length === 1) return value.length === first.length && unitsAt(first, value, 0)
  if (!unitsAt(first, value, 0)) return false
  const last = segments[segments.length - 1] as UnitSegment
  const lastStart = value.length - last.length
  let position = first.length
  if (lastStart < position) return false
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] as UnitSegment
    if (segment.length === 0) continue
    if (segment.length > 32 && !segment.anyOne) {
      // Long literals: V8's Boyer-Moore substring search, linear for a first occurrence.
      const at = value.indexOf(segment.text, position)
      if (meter) meter.steps += (at < 0 ? value.length : at + segment.length) - position
      if (at < 0 || at + segment.length > lastStart) return false
      position = at + segment.length
    } else {
      position = unitsFind(segment, toUnits(value), position, lastStart, meter)
      if (position < 0) return false
    }
  }
  if (meter) meter.steps += last.length
  return unitsAt(last, value, lastStart)
}

function unitsAt(segment: UnitSegment, value: string, start: number): boolean {
  if (!segment.anyOne) return value.startsWith(segment.text, start)
  const text = segment.text
  for (let k = 0; k < segment.length; k++) {
    const c = text.charCodeAt(k)
    if (c !== 63 && c !== value.charCodeAt(start + k)) return false
  }
  return true
}

// The char codes of the last value searched, in a typed array (reading one is cheaper than
// String.prototype.charCodeAt); one value usually meets every pattern of a condition in a row.
let unitsText: string | undefined
let unitsCodes = new Uint16Array(0)

function toUnits(text: string): Uint16Array {
  if (text === unitsText) return unitsCodes
  if (unitsCodes.length < text.length) unitsCodes = new Uint16Array(Math.max(text.length, 2 * unitsCodes.length))
  for (let i = 0; i < text.length; i++) unitsCodes[i] = text.charCodeAt(i)
  unitsText = text
  return unitsCodes
}

function unitShiftAnd(text: string): UnitShiftAnd {
  const words = Math.ceil(text.length / 32)
  const other = new Uint32Array(words)
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 63) other[i >>> 5] = ((other[i >>> 5] as number) | (1 << (i & 31))) >>> 0
  }
  const masks = new Map<number, Uint32Array>()
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 63) continue
    let mask = masks.get(c)
    if (!mask) masks.set(c, (mask = Uint32Array.from(other)))
    mask[i >>> 5] = ((mask[i >>> 5] as number) | (1 << (i & 31))) >>> 0
  }
  const low = new Int32Array(256).fill((other[0] as number) | 0)
  for (const [c, mask] of masks) if (c < 256) low[c] = (mask[0] as number) | 0
  return { words, low, masks, other }
}

/**
 * The end of the leftmost occurrence at or after `from` that ends by `limit`, or -1: Shift-And
 * over the value's char codes (`?` is a position any code may take).
 */
function unitsFind(segment: UnitSegment, codes: Uint16Array, from: number, limit: number, meter?: StepMeter): number {
  const tables = (segment.shiftAnd ??= unitShiftAnd(segment.text))
  const { words, low, masks, other } = tables
  const length = segment.length
  if (words === 1) {
    // Bit k set: the segment's first k+1 units match the text ending here.
    const top = 1 << (length - 1)
    const otherMask = (other[0] as number) | 0
    let bits = 0
    for (let i = from; i < limit; i++) {
      const c = codes[i] as number
      bits = ((bits << 1) | 1) & (c < 256 ? (low[c] as number) : ((masks.get(c)?.[0] ?? otherMask) | 0))
      if ((bits & top) !== 0) {
        if (meter) meter.steps += i + 1 - from
        return i + 1
      }
    }
    if (meter) meter.steps += limit - from
    return -1
  }
  const topWord = (length - 1) >>> 5
  const topBit = (1 << ((length - 1) & 31)) >>> 0
  const state = new Uint32Array(words)
  for (let i = from; i < limit; i++) {
    if (meter) meter.steps += words
    const mask = masks.get(codes[i] as number) ?? other
    let carry = 1
    for (let w = 0; w < words; w++) {
      const before = state[w] as number
      state[w] = ((before << 1) | carry) & (mask[w] as number)
      carry = before >>> 31
    }
    if (((state[topWord] as number) & topBit) !== 0) return i + 1
  }
  return -1
}

// One value is usually matched against many patterns in a row (every statement of every policy):
// its code points are kept for the next call. Same input, same output; no other state.
let lastText: string | undefined
let lastPoints = new Int32Array(0)

function toCodePoints(text: string): Int32Array {
  if (text === lastText) return lastPoints
  const out = new Int32Array(text.length)
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number
    out[n++] = code
    if (code > 0xffff) i++
  }
  lastText = text
  lastPoints = out.subarray(0, n)
  return lastPoints
}

function toSegment(text: string): Segment {
  const points: number[] = []
  for (const char of text) points.push(char === '?' ? ANY_ONE : (char.codePointAt(0) as number))
  const tokens = Int32Array.from(points)
  if (!points.includes(ANY_ONE)) return { tokens, failure: kmpFailure(tokens) }
  return { tokens, shiftAnd: shiftAndTables(tokens) }
}

function kmpFailure(tokens: Int32Array): Int32Array {
  const failure = new Int32Array(tokens.length)
  let k = 0
  for (let i = 1; i < tokens.length; i++) {
    while (k > 0 && tokens[i] !== tokens[k]) k = failure[k - 1] as number
    if (tokens[i] === tokens[k]) k++
    failure[i] = k
  }
  return failure
}

function shiftAndTables(tokens: Int32Array): ShiftAnd {
  const words = Math.max(1, Math.ceil(tokens.length / 32))
  const other = new Uint32Array(words)
  tokens.forEach((t, i) => {
    if (t === ANY_ONE) other[i >>> 5] = ((other[i >>> 5] as number) | (1 << (i & 31))) >>> 0
  })
  const masks = new Map<number, Uint32Array>()
  tokens.forEach((t, i) => {
    if (t === ANY_ONE) return
    let mask = masks.get(t)
    if (!mask) masks.set(t, (mask = Uint32Array.from(other)))
    mask[i >>> 5] = ((mask[i >>> 5] as number) | (1 << (i & 31))) >>> 0
  })
  const ascii = new Int32Array(128).fill((other[0] as number) | 0)
  for (const [codePoint, mask] of masks) if (codePoint < 128) ascii[codePoint] = (mask[0] as number) | 0
  return { words, ascii, masks, other }
}

function matchSegments(segments: readonly Segment[], value: Int32Array, meter?: StepMeter): boolean {
  const first = segments[0] as Segment
  if (segments.length === 1) return value.length === first.tokens.length && matchAt(first, value, 0, meter)
  if (!matchAt(first, value, 0, meter)) return false
  const last = segments[segments.length - 1] as Segment
  const lastStart = value.length - last.tokens.length
  let position = first.tokens.length
  if (lastStart < position) return false
  for (let i = 1; i < segments.length - 1; i++) {
    const end = findFrom(segments[i] as Segment, value, position, lastStart, meter)
    if (end < 0) return false
    position = end
  }
  return matchAt(last, value, lastStart, meter)
}

function matchAt(segment: Segment, value: Int32Array, start: number, meter?: StepMeter): boolean {
  const tokens = segment.tokens
  if (meter) meter.steps += tokens.length
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k] as number
    if (token !== ANY_ONE && token !== value[start + k]) return false
  }
  return true
}

/** The end of the leftmost occurrence at or after `from` that ends by `limit`, or -1. */
function findFrom(segment: Segment, value: Int32Array, from: number, limit: number, meter?: StepMeter): number {
  const tokens = segment.tokens
  const length = tokens.length
  if (length === 0) return from
  if (segment.failure) {
    const failure = segment.failure
    let k = 0
    for (let i = from; i < limit; i++) {
      const c = value[i]
      while (k > 0 && tokens[k] !== c) {
        k = failure[k - 1] as number
        if (meter) meter.steps++
      }
      if (tokens[k] === c) k++
      if (meter) meter.steps++
      if (k === length) return i + 1
    }
    return -1
  }
  const { words, ascii, masks, other } = segment.shiftAnd as ShiftAnd
  const topWord = (length - 1) >>> 5
  const topBit = (1 << ((length - 1) & 31)) >>> 0
  if (words === 1) {
    // The common case, in one integer: bit k set means the first k+1 tokens match here.
    const otherMask = (other[0] as number) | 0
    let bits = 0
    for (let i = from; i < limit; i++) {
      const c = value[i] as number
      const mask = c < 128 ? (ascii[c] as number) : ((masks.get(c)?.[0] ?? otherMask) | 0)
      bits = ((bits << 1) | 1) & mask
      if (meter) meter.steps++
      if ((bits & topBit) !== 0) return i + 1
    }
    return -1
  }
  const state = new Uint32Array(words)
  for (let i = from; i < limit; i++) {
    const mask = masks.get(value[i] as number) ?? other
    let carry = 1
    for (let w = 0; w < words; w++) {
      const before = state[w] as number
      state[w] = ((before << 1) | carry) & (mask[w] as number)
      carry = before >>> 31
    }
    if (meter) meter.steps += words
    if (((state[topWord] as number) & topBit) !== 0) return i + 1
  }
  return -1
}
