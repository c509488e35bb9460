/** Appends one reference token to a JSON Pointer, escaping `~` and `/` (RFC 6901 section 3). */
export function appendPointer(pointer: string, token: string | number): string {
  return `${pointer}/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`
}
