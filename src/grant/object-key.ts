import type { Issue } from '../errors.js'

/** OSS object keys: 1 to 1,023 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1023

/**
 * Checks a key a client asked to sign, before the policy engine sees it. OSS keys are flat and
 * `..` is literal to OSS, but browsers and URL parsers resolve dot segments and decode escapes,
 * so a key whose meaning can change on the way is refused rather than normalised.
 */
export function checkObjectKey(key: string, pointer = '/key'): Issue[] {
  const issue = (code: string, message: string): Issue[] => [{ pointer, code, message }]
  if (key.length === 0) return issue('key.empty', 'the key is empty')
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return issue('key.too-long', `the key exceeds ${MAX_KEY_BYTES} bytes`)
  if (key.startsWith('/') || key.startsWith('\\')) return issue('key.leading-slash', 'the key must not start with "/" or "\\"')
  if ([...key].some((c) => c < ' ' || c === '\u007f')) return issue('key.control-character', 'the key holds a control character')
  if (key.includes('\\')) return issue('key.backslash', 'the key holds "\\"')
  if (key.includes('%')) return issue('key.percent', 'the key holds "%" (send keys decoded, not percent-encoded)')
  if (key.includes('//')) return issue('key.empty-segment', 'the key holds "//"')
  if (key.split('/').some((s) => s === '.' || s === '..')) return issue('key.dot-segment', 'the key holds a "." or ".." segment')
  return []
}

/** A leaf name chosen by a browser (a file name), to be placed under a directory. */
export function checkLeafName(name: string, pointer: string): Issue[] {
  if (!/^[A-Za-z0-9._ -]{1,200}$/.test(name) || name === '.' || name === '..') {
    return [{ pointer, code: 'key.leaf', message: 'use 1-200 characters of letters, digits, ".", "_", "-" and spaces' }]
  }
  return []
}
