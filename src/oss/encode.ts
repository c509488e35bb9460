const SAFE = /^[A-Za-z0-9_.~-]*$/
const RESERVED_BY_RFC3986 = /[!'()*]/g

// Long values are mostly STS security tokens, the same for a user for the whole credential
// lifetime, and encoded on every signature: remember a bounded number of them.
const longValues = new Map<string, string>()
const LONG = 64
const MAX_REMEMBERED = 4096

/** RFC 3986 encoding (unreserved characters only stay literal), as OSS signatures require. */
export function uriEncode(value: string): string {
  if (SAFE.test(value)) return value
  if (value.length >= LONG) {
    const known = longValues.get(value)
    if (known !== undefined) return known
  }
  let encoded = encodeURIComponent(value)
  if (RESERVED_BY_RFC3986.test(encoded)) {
    RESERVED_BY_RFC3986.lastIndex = 0
    encoded = encoded.replace(RESERVED_BY_RFC3986, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  }
  RESERVED_BY_RFC3986.lastIndex = 0
  if (value.length >= LONG) {
    if (longValues.size >= MAX_REMEMBERED) longValues.delete(longValues.keys().next().value as string)
    longValues.set(value, encoded)
  }
  return encoded
}

/** Like `uriEncode`, keeping `/` literal: object keys in URL paths. */
export function uriEncodePath(value: string): string {
  const encoded = uriEncode(value)
  return encoded.includes('%2F') ? encoded.replaceAll('%2F', '/') : encoded
}
