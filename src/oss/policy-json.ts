/*
 * The PostObject policy document's text and its base64, byte for byte what
 * `JSON.stringify({ expiration: expiration.toISOString(), conditions })` and
 * `Buffer.from(text).toString('base64')` give, in a fraction of their time: the policy is
 * serialised on every form, and most of it (the security token above all) repeats from form to
 * form. Anything outside the shapes a condition has falls back to JSON.stringify.
 */

// Whether the text so far is ASCII only, where base64 can skip the UTF-8 encoding step. Set by
// `quote` and the fallbacks while one document is written (serialising is synchronous).
let ascii = true
// The bytes of an ASCII document, for its base64; reused (serialising is synchronous).
let bytes = Buffer.allocUnsafe(4096)

const ESCAPED = 0
const PLAIN_ASCII = 1
const PLAIN = 2

// What JSON.stringify does with a string: writes it between quotes unchanged (no control
// character, quote, backslash or surrogate, a lone one being escaped), ASCII only or not.
function stringKind(value: string): number {
  let kind = PLAIN_ASCII
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return ESCAPED
    if (c >= 0x80) kind = PLAIN
  }
  return kind
}

// Long strings are mostly security tokens, the same for a user for its credential's lifetime.
const longStrings = new Map<string, { readonly json: string; readonly ascii: boolean }>()
const LONG = 128
const MAX_REMEMBERED = 1024

function quoteOnce(value: string): { json: string; ascii: boolean } {
  const kind = stringKind(value)
  return kind === ESCAPED ? { json: JSON.stringify(value), ascii: false } : { json: `"${value}"`, ascii: kind === PLAIN_ASCII }
}

function quote(value: string): string {
  if (value.length < LONG) {
    const kind = stringKind(value)
    if (kind === PLAIN_ASCII) return `"${value}"`
    ascii = false
    return kind === PLAIN ? `"${value}"` : JSON.stringify(value)
  }
  let quoted = longStrings.get(value)
  if (quoted === undefined) {
    quoted = quoteOnce(value)
    if (longStrings.size >= MAX_REMEMBERED) longStrings.delete(longStrings.keys().next().value as string)
    longStrings.set(value, quoted)
  }
  if (!quoted.ascii) ascii = false
  return quoted.json
}

// Whatever the shapes below do not cover, written by JSON.stringify itself; in an array it writes
// what it cannot represent (undefined, a function) as null.
function fallback(value: unknown): string {
  ascii = false
  return JSON.stringify(value) ?? 'null'
}

function element(value: unknown): string | undefined {
  if (typeof value === 'string') return quote(value)
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item !== 'string') return undefined
      out += (i === 0 ? '' : ',') + quote(item)
    }
    return `${out}]`
  }
  return undefined
}

function condition(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      const item = element(value[i])
      if (item === undefined) return fallback(value)
      out += (i === 0 ? '' : ',') + item
    }
    return `${out}]`
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    let out = '{'
    let first = true
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue
      const v = (value as Record<string, unknown>)[k]
      if (typeof v !== 'string') return fallback(value)
      out += `${first ? '' : ','}${quote(k)}:${quote(v)}`
      first = false
    }
    return `${out}}`
  }
  return fallback(value)
}

let isoSecond = NaN
let isoPrefix = ''

/** `date.toISOString()`, the part up to the second reused within that second. */
export function isoString(date: Date): string {
  const ms = date.getTime()
  const second = Math.floor(ms / 1000)
  if (second !== isoSecond) {
    const iso = date.toISOString()
    isoPrefix = iso.slice(0, -4)
    isoSecond = second
  }
  const frac = ms - second * 1000
  return `${isoPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`
}

/**
 * A document written piece by piece (PostObject forms write theirs without building conditions):
 * `startDocument`, then the conditions with every string through `jsonString`, then
 * `finishDocument`. Nothing else may write a document in between (everything here is synchronous).
 */
export function startDocument(expiration: Date): string {
  ascii = true
  return `{"expiration":"${isoString(expiration)}","conditions":[`
}

/**
 * A value as JSON.stringify writes it inside an array: a string between quotes, anything else (which
 * the types rule out) as JSON.stringify writes it, `null` where it writes nothing.
 */
export function jsonValue(value: unknown): string {
  return typeof value === 'string' ? quote(value) : fallback(value)
}

/** `{"name":value}` as JSON.stringify writes a one-member object (`{}` where it drops the member). */
export function jsonMember(name: string, value: unknown): string {
  if (typeof value === 'string') return `{${quote(name)}:${quote(value)}}`
  const json = JSON.stringify(value) as string | undefined
  ascii = false
  return json === undefined ? '{}' : `{${quote(name)}:${json}}`
}

/** The text (the conditions so far closed with `]}`) and the base64 of its UTF-8 bytes. */
export function finishDocument(conditions: string): { text: string; base64: string } {
  const text = `${conditions}]}`
  if (!ascii) return { text, base64: Buffer.from(text, 'utf8').toString('base64') }
  // ASCII only: the Latin-1 bytes are the UTF-8 bytes. Written into a reused buffer, the text is
  // never flattened into one string (nothing else reads it on the hot path) nor copied again.
  if (bytes.length < text.length) bytes = Buffer.allocUnsafe(Math.max(text.length, bytes.length * 2))
  return { text, base64: bytes.toString('base64', 0, bytes.write(text, 0, 'latin1')) }
}

/**
 * The policy's JSON text, as JSON.stringify({ expiration: ISO string, conditions }) writes it, and
 * the base64 of its UTF-8 bytes.
 */
export function policyDocument(expiration: Date, conditions: readonly unknown[]): { text: string; base64: string } {
  let text = startDocument(expiration)
  for (let i = 0; i < conditions.length; i++) text += (i === 0 ? '' : ',') + condition(conditions[i])
  return finishDocument(text)
}
