// RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~): the only ones OSS signatures leave literal.
const UNRESERVED = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  if (/[A-Za-z0-9_.~-]/.test(ch)) UNRESERVED[c] = 1
}
const PERCENT: string[] = []
for (let c = 0; c < 128; c++) PERCENT.push(`%${c.toString(16).toUpperCase().padStart(2, '0')}`)
const SLASH = 0x2f

// Long values are mostly STS security tokens, the same for a user for the whole credential
// lifetime, and encoded on every signature: remember a bounded number of them.
const longValues = new Map<string, string>()
const LONG = 64
const MAX_REMEMBERED = 4096

/**
 * Percent-encodes from `from` on (the characters before it are known to stay literal): ASCII from
 * the table, anything else as UTF-8 through encodeURIComponent one code point at a time, which
 * throws URIError on a lone surrogate as encoding the whole value would.
 */
function encodeFrom(value: string, from: number, keepSlash: boolean): string {
  let out = ''
  let start = 0
  const n = value.length
  for (let i = from; i < n; i++) {
    const c = value.charCodeAt(i)
    if (c < 128) {
      if (UNRESERVED[c] === 1 || (keepSlash && c === SLASH)) continue
      out += value.slice(start, i) + (PERCENT[c] as string)
      start = i + 1
    } else {
      let end = i + 1
      if (c >= 0xd800 && c <= 0xdbff && end < n) {
        const low = value.charCodeAt(end)
        if (low >= 0xdc00 && low <= 0xdfff) end++
      }
      out += value.slice(start, i) + encodeURIComponent(value.slice(i, end))
      start = end
      i = end - 1
    }
  }
  return out + value.slice(start)
}

/** RFC 3986 encoding (unreserved characters only stay literal), as OSS signatures require. */
export function uriEncode(value: string): string {
  const n = value.length
  let i = 0
  while (i < n) {
    const c = value.charCodeAt(i)
    if (c >= 128 || UNRESERVED[c] === 0) break
    i++
  }
  if (i === n) return value
  if (n < LONG) return encodeFrom(value, i, false)
  const known = longValues.get(value)
  if (known !== undefined) return known
  // A flat copy: the encoding is built from many pieces, and every signature that embeds it would
  // otherwise walk those pieces again when hashing (the result is ASCII, so latin1 is lossless).
  const encoded = Buffer.from(encodeFrom(value, i, false), 'latin1').toString('latin1')
  if (longValues.size >= MAX_REMEMBERED) longValues.delete(longValues.keys().next().value as string)
  longValues.set(value, encoded)
  return encoded
}

/** Like `uriEncode`, keeping `/` literal: object keys in URL paths. */
export function uriEncodePath(value: string): string {
  const n = value.length
  let i = 0
  while (i < n) {
    const c = value.charCodeAt(i)
    if (c >= 128 || (UNRESERVED[c] === 0 && c !== SLASH)) break
    i++
  }
  return i === n ? value : encodeFrom(value, i, true)
}
