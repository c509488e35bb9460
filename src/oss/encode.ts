/** RFC 3986 encoding (unreserved characters only stay literal), as OSS signatures require. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Like `uriEncode`, keeping `/` literal: object keys in URL paths. */
export function uriEncodePath(value: string): string {
  return uriEncode(value).replaceAll('%2F', '/')
}
