import { RequestInvalidError, type Issue } from '../errors.js'
import { appendPointer } from './json-pointer.js'

/**
 * The one JSON parser of ossvend. Every JSON text it reads (policies, templates, configuration,
 * request and callback bodies) is untrusted, so before JSON.parse builds anything a scanner
 * checks, in one pass and without recursion:
 * - the size (characters) and the nesting depth are within bounds;
 * - no object has a key that could reach a prototype (`__proto__`, `constructor`, `prototype`);
 * - no object has the same key twice (JSON.parse would silently keep the last one).
 * A refusal names the JSON Pointer of the offending key, or the line and column of a syntax
 * fault. The scan is linear in the text; JSON.parse only runs on text the scan accepted.
 */

export type ParseJsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issue: Issue }

export interface ParseJsonOptions {
  /** Longest text accepted, in UTF-16 code units. */
  readonly maxChars?: number
  /** Deepest nesting of objects and arrays accepted (the top-level value is depth 1). */
  readonly maxDepth?: number
}

export const DEFAULT_MAX_JSON_CHARS = 1_048_576
export const DEFAULT_MAX_JSON_DEPTH = 64

/** Keys refused in every object: each can reach or replace a prototype once the value is used. */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

export function parseJsonText(text: string, options: ParseJsonOptions = {}): ParseJsonResult {
  const maxChars = options.maxChars ?? DEFAULT_MAX_JSON_CHARS
  if (text.length > maxChars) {
    return {
      ok: false,
      issue: { pointer: '', code: 'json.too-large', message: `JSON text is ${text.length} characters; at most ${maxChars} are accepted` },
    }
  }
  const fault = scanJson(text, options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH)
  if (fault) {
    if (fault.code === 'json.syntax') {
      const { line, column } = lineAndColumn(text, fault.offset)
      return { ok: false, issue: { pointer: '', code: fault.code, message: `not valid JSON at line ${line}, column ${column}: ${fault.message}` } }
    }
    return { ok: false, issue: { pointer: fault.pointer, code: fault.code, message: fault.message } }
  }
  return { ok: true, value: JSON.parse(text) as unknown }
}

/**
 * For request bodies and other JSON ossvend receives at run time.
 * @throws {RequestInvalidError} ERR_REQUEST_INVALID with the issue (pointer and code).
 */
export function parseJsonOrThrow(text: string, options: ParseJsonOptions = {}): unknown {
  const result = parseJsonText(text, options)
  if (!result.ok) throw new RequestInvalidError([result.issue])
  return result.value
}

export interface JsonSyntaxFault {
  readonly offset: number
  readonly message: string
}

export interface JsonFault extends JsonSyntaxFault {
  readonly code: 'json.syntax' | 'json.too-deep' | 'json.forbidden-key' | 'json.duplicate-key'
  readonly pointer: string
}

/** Locates the first syntax error in JSON text, or returns undefined for valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxFault | undefined {
  const fault = scanJson(text, Number.POSITIVE_INFINITY, false)
  return fault ? { offset: fault.offset, message: fault.message } : undefined
}

interface ObjectFrame {
  readonly kind: 'object'
  readonly keys: Set<string>
  key: string
}

interface ArrayFrame {
  readonly kind: 'array'
  index: number
}

type Frame = ObjectFrame | ArrayFrame

class Fault extends Error {
  readonly offset: number
  readonly code: JsonFault['code']
  readonly pointer: string
  constructor(offset: number, message: string, code: JsonFault['code'] = 'json.syntax', pointer = '') {
    super(message)
    this.offset = offset
    this.code = code
    this.pointer = pointer
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/**
 * One pass over the text (RFC 8259 grammar) with an explicit stack instead of recursion, so
 * neither depth nor length can exhaust the call stack. With `checkKeys` off it only checks syntax.
 */
export function scanJson(text: string, maxDepth: number, checkKeys = true): JsonFault | undefined {
  let i = 0
  const n = text.length
  const stack: Frame[] = []
  const describe = (at: number) => (at >= n ? 'end of text' : JSON.stringify(text[at]))
  const fail = (message: string): never => {
    throw new Fault(i, `${message}, found ${describe(i)}`)
  }
  /** Where the scan is; with `key`, that key of the innermost (current) object instead. */
  const pointer = (key?: string): string => {
    let path = ''
    const end = key === undefined ? stack.length : stack.length - 1
    for (let f = 0; f < end; f++) {
      const frame = stack[f] as Frame
      path = appendPointer(path, frame.kind === 'object' ? frame.key : frame.index)
    }
    return key === undefined ? path : appendPointer(path, key)
  }
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(i)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++
      else return
    }
  }
  const isDigit = (at: number) => {
    const c = text.charCodeAt(at)
    return c >= 0x30 && c <= 0x39
  }
  /** Reads a string starting at the opening quote; decodes it only when asked (keys). */
  const string = (decode: boolean): string => {
    i++
    let out = ''
    let runStart = i
    while (i < n) {
      const code = text.charCodeAt(i)
      if (code === 0x22) {
        if (decode) out += text.slice(runStart, i)
        i++
        return out
      }
      if (code < 0x20) fail('control character (such as a line break) inside a string')
      if (code === 0x5c) {
        if (decode) out += text.slice(runStart, i)
        const next = text[i + 1]
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          if (decode) out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16))
          i += 6
        } else if (next !== undefined && next in SIMPLE_ESCAPES) {
          if (decode) out += SIMPLE_ESCAPES[next] as string
          i += 2
        } else {
          i++
          fail('invalid escape in a string')
        }
        runStart = i
        continue
      }
      i++
    }
    return fail('unterminated string')
  }
  const number = () => {
    const start = i
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else if (isDigit(i) && text[i] !== '0') while (isDigit(i)) i++
    else {
      i = start
      fail('malformed number')
    }
    if (text[i] === '.' && isDigit(i + 1)) {
      i++
      while (isDigit(i)) i++
    }
    if ((text[i] === 'e' || text[i] === 'E') && (isDigit(i + 1) || ((text[i + 1] === '+' || text[i + 1] === '-') && isDigit(i + 2)))) {
      i += 2
      while (isDigit(i)) i++
    }
  }
  const open = () => {
    if (stack.length >= maxDepth) {
      throw new Fault(i, `JSON nests deeper than ${maxDepth} levels`, 'json.too-deep', pointer())
    }
  }
  /** Reads `"key":` inside an object and records the key. */
  const member = (frame: ObjectFrame) => {
    skipSpace()
    if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma before "}"' : 'expected a double-quoted property name')
    const at = i
    const key = string(checkKeys)
    if (checkKeys) {
      if (FORBIDDEN_JSON_KEYS.has(key)) {
        throw new Fault(at, `property name "${key}" is not allowed: it could reach an object's prototype`, 'json.forbidden-key', pointer(key))
      }
      if (frame.keys.has(key)) {
        throw new Fault(at, `property "${key}" appears more than once in the same object`, 'json.duplicate-key', pointer(key))
      }
      frame.keys.add(key)
      frame.key = key
    }
    skipSpace()
    if (text[i] !== ':') fail('expected ":" after the property name')
    i++
  }

  try {
    let expectValue = true
    for (;;) {
      if (expectValue) {
        skipSpace()
        const c = text[i]
        if (c === '{') {
          open()
          i++
          skipSpace()
          if (text[i] === '}') i++
          else {
            const frame: ObjectFrame = { kind: 'object', keys: new Set(), key: '' }
            stack.push(frame)
            member(frame)
            continue
          }
        } else if (c === '[') {
          open()
          i++
          skipSpace()
          if (text[i] === ']') i++
          else {
            stack.push({ kind: 'array', index: 0 })
            continue
          }
        } else if (c === '"') string(false)
        else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number()
        else if (text.startsWith('true', i)) i += 4
        else if (text.startsWith('false', i)) i += 5
        else if (text.startsWith('null', i)) i += 4
        else fail('expected a value')
        expectValue = false
        continue
      }
      skipSpace()
      const frame = stack[stack.length - 1]
      if (frame === undefined) {
        if (i < n) fail('unexpected text after the JSON value')
        return undefined
      }
      if (frame.kind === 'object') {
        if (text[i] === ',') {
          i++
          member(frame)
          expectValue = true
        } else if (text[i] === '}') {
          i++
          stack.pop()
        } else fail('expected "," or "}" after a property value')
      } else if (text[i] === ',') {
        i++
        skipSpace()
        if (text[i] === ']') fail('trailing comma before "]"')
        frame.index++
        expectValue = true
      } else if (text[i] === ']') {
        i++
        stack.pop()
      } else fail('expected "," or "]" after an array element')
    }
  } catch (err) {
    if (err instanceof Fault) return { offset: err.offset, message: err.message, code: err.code, pointer: err.pointer }
    throw err
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(offset, text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: end - lineStart + 1 }
}

/**
 * For express.json's `verify` hook: refuses a body with a prototype key, a duplicate key or too
 * deep a nesting before body-parser hands it to JSON.parse. Syntax faults are left to
 * body-parser, which reports them as a malformed request.
 * @throws {RequestInvalidError} ERR_REQUEST_INVALID naming the key's pointer.
 */
export function verifyJsonBody(_req: unknown, _res: unknown, body: Buffer): void {
  const fault = scanJson(body.toString('utf8'), DEFAULT_MAX_JSON_DEPTH)
  if (fault && fault.code !== 'json.syntax') {
    throw new RequestInvalidError([{ pointer: fault.pointer, code: fault.code, message: fault.message }])
  }
}

/**
 * The same guarantees for a value already in memory (built by code, or parsed elsewhere): only
 * plain objects and arrays, no prototype key, bounded depth. Returns the first problem found.
 * Iterative, linear in the size of the value.
 */
export function checkJsonValue(value: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): Issue | undefined {
  const pending: [unknown, string, number][] = [[value, '', 1]]
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [current, pointer, depth] = item
    if (current === null || typeof current !== 'object') {
      if (typeof current === 'function' || typeof current === 'symbol' || typeof current === 'bigint') {
        return { pointer, code: 'json.not-json', message: `a ${typeof current} is not JSON data` }
      }
      continue
    }
    if (depth > maxDepth) return { pointer, code: 'json.too-deep', message: `JSON nests deeper than ${maxDepth} levels` }
    const proto = Object.getPrototypeOf(current) as unknown
    const isArray = Array.isArray(current)
    if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
      return { pointer, code: 'json.not-json', message: 'only plain objects and arrays are JSON data (this one inherits properties)' }
    }
    if (isArray) {
      const list = current as unknown[]
      for (let i = list.length - 1; i >= 0; i--) pending.push([list[i], appendPointer(pointer, i), depth + 1])
      continue
    }
    const keys = Object.keys(current)
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k] as string
      const at = appendPointer(pointer, key)
      if (FORBIDDEN_JSON_KEYS.has(key)) {
        return { pointer: at, code: 'json.forbidden-key', message: `property name "${key}" is not allowed: it could reach an object's prototype` }
      }
      pending.push([(current as Record<string, unknown>)[key], at, depth + 1])
    }
  }
  return undefined
}
