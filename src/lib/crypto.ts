import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export function hmacSha256Hex(key: string | Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex')
}

/** Constant-time comparison of two strings; unequal lengths compare unequal without a throw. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  if (left.length !== right.length) {
    timingSafeEqual(left, left)
    return false
  }
  return timingSafeEqual(left, right)
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}
