import type { Issue } from '../errors.js'

export type ParseJsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issue: Issue }

/**
 * Parses JSON text; on failure returns one issue that names the line and column of the first
 * fault and what was expected there. The text is never repaired.
 */
export function parseJsonText(text: string): ParseJsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    const fault = findJsonSyntaxError(text) ?? { offset: text.length, message: 'not valid JSON' }
    const { line, column } = lineAndColumn(text, fault.offset)
    return {
      ok: false,
      issue: { pointer: '', code: 'json.syntax', message: `not valid JSON at line ${line}, column ${column}: ${fault.message}` },
    }
  }
}

export interface JsonSyntaxFault {
  readonly offset: number
  readonly message: string
}

class Fault extends Error {
  readonly offset: number
  constructor(offset: number, message: string) {
    super(message)
    this.offset = offset
  }
}

/**
 * Locates the first syntax error in JSON text, or returns undefined for valid JSON. V8's messages
 * differ between Node versions and do not always carry a position, so the scan is done here
 * (RFC 8259 grammar); `parseJsonText` calls it only after JSON.parse has failed.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxFault | undefined {
  let i = 0
  const describe = (at: number) => (at >= text.length ? 'end of text' : JSON.stringify(text[at]))
  const fail = (message: string): never => {
    throw new Fault(i, `${message}, found ${describe(i)}`)
  }
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  const value = (): void => {
    skipSpace()
    const c = text[i]
    if (c === '{') return object()
    if (c === '[') return array()
    if (c === '"') return string()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number()
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return
      }
    }
    fail('expected a value')
  }
  const object = () => {
    i++
    skipSpace()
    if (text[i] === '}') {
      i++
      return
    }
    for (;;) {
      skipSpace()
      if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma before "}"' : 'expected a double-quoted property name')
      string()
      skipSpace()
      if (text[i] !== ':') fail('expected ":" after the property name')
      i++
      value()
      skipSpace()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === '}') {
        i++
        return
      }
      fail('expected "," or "}" after a property value')
    }
  }
  const array = () => {
    i++
    skipSpace()
    if (text[i] === ']') {
      i++
      return
    }
    for (;;) {
      skipSpace()
      if (text[i] === ']') fail('trailing comma before "]"')
      value()
      skipSpace()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === ']') {
        i++
        return
      }
      fail('expected "," or "]" after an array element')
    }
  }
  const string = () => {
    i++
    while (i < text.length) {
      const code = text.charCodeAt(i)
      if (code === 0x22) {
        i++
        return
      }
      if (code < 0x20) fail('control character (such as a line break) inside a string')
      if (code === 0x5c) {
        const next = text[i + 1]
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2
        else {
          i++
          fail('invalid escape in a string')
        }
        continue
      }
      i++
    }
    fail('unterminated string')
  }
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))
    if (!match) fail('malformed number')
    i += (match as RegExpExecArray)[0].length
  }
  try {
    value()
    skipSpace()
    if (i < text.length) fail('unexpected text after the JSON value')
    return undefined
  } catch (err) {
    if (err instanceof Fault) return { offset: err.offset, message: err.message }
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
