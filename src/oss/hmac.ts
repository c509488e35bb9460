import { createHmac, hash } from 'node:crypto'

export function hmacSha1Base64(key: string | Buffer, data: string): string {
  return createHmac('sha1', key).update(data, 'utf8').digest('base64')
}

export function hmacSha256(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

export function hmacSha256Hex(key: string | Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex')
}

/*
 * HMAC (RFC 2104) with the key's padded blocks prepared once, for keys that sign many messages
 * (a secret, a derived V4 signing key). `createHmac` builds a stream object and imports the key on
 * every call, which costs more than hashing a short message; two one-shot `hash` calls over
 * reused buffers do the same work without it. Output is identical to `createHmac`.
 */

const BLOCK = 64
const DIGEST_BYTES = { sha1: 20, sha256: 32 } as const

export type HmacAlgorithm = keyof typeof DIGEST_BYTES

export interface HmacKey {
  readonly algorithm: HmacAlgorithm
  /** key XOR ipad, one block. */
  readonly inner: Buffer
  /** key XOR opad, one block, followed by room for the inner digest. */
  readonly outer: Buffer
}

export function hmacKey(algorithm: HmacAlgorithm, key: string | Buffer): HmacKey {
  let raw = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
  if (raw.length > BLOCK) raw = hash(algorithm, raw, 'buffer')
  const inner = Buffer.alloc(BLOCK, 0x36)
  const outer = Buffer.alloc(BLOCK + DIGEST_BYTES[algorithm], 0x5c)
  for (let i = 0; i < raw.length; i++) {
    inner[i] = (inner[i] as number) ^ (raw[i] as number)
    outer[i] = (outer[i] as number) ^ (raw[i] as number)
  }
  return { algorithm, inner, outer }
}

// One buffer for every inner message: signing is synchronous, so no two calls share it at once.
let scratch = Buffer.allocUnsafe(4096)

/** HMAC of `data` (UTF-8) under a prepared key, as hex, base64 or `binary` (latin1: one char a byte). */
export function hmacWithKey(key: HmacKey, data: string, encoding: 'hex' | 'base64' | 'binary'): string {
  const most = BLOCK + data.length * 3
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2))
  scratch.set(key.inner, 0)
  const end = BLOCK + scratch.write(data, BLOCK, 'utf8')
  key.outer.write(hash(key.algorithm, scratch.subarray(0, end), 'binary'), BLOCK, 'latin1')
  return hash(key.algorithm, key.outer, encoding)
}
