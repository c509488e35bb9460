import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** scrypt parameters (OWASP: N = 2^17, r = 8, p = 1); the stored hash carries its own. */
export const DEFAULT_SCRYPT_LOG2N = 17
const KEY_LENGTH = 32

/** Bounds concurrent hashes: each one holds 128 * N * r bytes (128 MiB at N = 2^17). */
function createSemaphore(limit: number) {
  let active = 0
  const waiting: (() => void)[] = []
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

const limit = createSemaphore(2)

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N
  return limit(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        // Node refuses 128*N*r above maxmem (32 MiB by default), which N = 2^17 exceeds.
        scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key)))
      }),
  )
}

/** `scrypt$log2N$r$p$salt$hash` (base64url). */
export async function hashPassword(password: string, log2N = DEFAULT_SCRYPT_LOG2N): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, log2N, 8, 1)
  return `scrypt$${log2N}$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`
}

const HASH_FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/

export function isPasswordHash(text: string): boolean {
  const m = HASH_FORMAT.exec(text)
  return m !== null && Number(m[1]) >= 10 && Number(m[1]) <= 20
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = HASH_FORMAT.exec(stored)
  if (!m || !isPasswordHash(stored)) return false
  const expected = Buffer.from(m[5] as string, 'base64url')
  const key = await derive(password, Buffer.from(m[4] as string, 'base64url'), Number(m[1]), Number(m[2]), Number(m[3]))
  return key.length === expected.length && timingSafeEqual(key, expected)
}
