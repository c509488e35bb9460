import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc64Portable } from '../../../src/oss/crc64.js'
import { DigestPool } from '../../../src/sandbox/body-digest.js'

/** `size` bytes of a repeatable pattern, cut into chunks of uneven sizes (as sockets deliver them). */
function body(size: number, seed: number): Buffer[] {
  const whole = Buffer.alloc(size)
  for (let i = 0; i < size; i++) whole[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff
  const chunks: Buffer[] = []
  for (let at = 0, n = 0; at < size; n++) {
    const length = Math.min(size - at, 1 + ((n * 7919 + seed) % 70_000))
    chunks.push(whole.subarray(at, at + length))
    at += length
  }
  return chunks
}

const expected = (chunks: Buffer[]) => {
  const whole = Buffer.concat(chunks)
  return { md5: createHash('md5').update(whole).digest('hex'), crc64: crc64Portable(whole) }
}

async function digestOf(pool: DigestPool, chunks: Buffer[]) {
  const digest = pool.start()
  for (const chunk of chunks) digest.update(chunk)
  const { md5, crc64 } = await digest.finish()
  return { md5: md5.toString('hex'), crc64 }
}

describe('DigestPool', () => {
  it('gives the MD5 and CRC-64 of bodies small (inline) and large (worker thread), chunked unevenly', async () => {
    const pool = new DigestPool(2)
    for (const size of [0, 1, 9, 128 * 1024, 128 * 1024 + 1, 1024 * 1024, 3 * 1024 * 1024 + 17]) {
      const chunks = body(size, size % 13)
      expect(await digestOf(pool, chunks), `size ${size}`).toEqual(expected(chunks))
    }
  })

  it('keeps concurrent bodies apart on the same worker', async () => {
    const pool = new DigestPool(1)
    const bodies = Array.from({ length: 6 }, (_, i) => body(600 * 1024 + i * 1000, i))
    const digests = bodies.map(() => pool.start())
    // Interleaved, chunk by chunk, as eight sockets would deliver them
    for (let n = 0; bodies.some((b) => n < b.length); n++) {
      bodies.forEach((b, i) => {
        const chunk = b[n]
        if (chunk) digests[i]?.update(chunk)
      })
    }
    const results = await Promise.all(digests.map(async (d) => {
      const { md5, crc64 } = await d.finish()
      return { md5: md5.toString('hex'), crc64 }
    }))
    expect(results).toEqual(bodies.map(expected))
  })

  it('forgets an aborted body and goes on with the next', async () => {
    const pool = new DigestPool(1)
    const aborted = pool.start()
    for (const chunk of body(700 * 1024, 1)) aborted.update(chunk)
    aborted.abort()
    const chunks = body(900 * 1024, 2)
    expect(await digestOf(pool, chunks)).toEqual(expected(chunks))
  })

  it('makes a fast reader wait while the worker is more than a few MiB behind, and still hashes every byte', async () => {
    // Given a 24 MiB body fed as fast as it can be
    const chunks = body(24 * 1024 * 1024, 4)
    const digest = new DigestPool(1).start()
    let waits = 0
    for (const chunk of chunks) {
      digest.update(chunk)
      const behind = digest.backlog()
      if (behind) {
        waits++
        await behind
      }
    }
    // Then the reader was held back at least once, and the digests are right
    expect(waits).toBeGreaterThan(0)
    const { md5, crc64 } = await digest.finish()
    expect({ md5: md5.toString('hex'), crc64 }).toEqual(expected(chunks))
  })

  it('hashes everything inline without worker threads', async () => {
    const chunks = body(2 * 1024 * 1024, 3)
    expect(await digestOf(new DigestPool(0), chunks)).toEqual(expected(chunks))
  })

  it('gives the right digests on a worker for bodies ending anywhere in a block, around the inline limit and each 1 MiB message', async () => {
    // The worker takes whole blocks; the thread keeps an unfinished block for the next message and
    // finishes the body itself (MD5's padding is one or two blocks: the edge is 55/56 bytes in).
    const pool = new DigestPool(1)
    const KiB = 1024
    const size = fc.oneof(
      fc.integer({ min: 128 * KiB - 70, max: 128 * KiB + 130 }),
      fc.integer({ min: 1024 * KiB - 130, max: 1024 * KiB + 130 }),
      fc.tuple(fc.integer({ min: 2100, max: 2 * 16 * KiB }), fc.constantFrom(0, 1, 55, 56, 57, 63)).map(([blocks, extra]) => blocks * 64 + extra),
    )
    const chunked = fc.tuple(size, fc.integer({ min: 1, max: 255 }), fc.array(fc.integer({ min: 1, max: 300 * KiB }), { minLength: 1, maxLength: 8 })).map(([n, seed, lengths]) => {
      const whole = Buffer.alloc(n)
      for (let i = 0; i < n; i++) whole[i] = (i * seed + (i >> 7)) & 0xff
      const chunks: Buffer[] = []
      for (let at = 0, k = 0; at < n; k++) {
        const length = Math.min(n - at, lengths[k % lengths.length] as number)
        chunks.push(whole.subarray(at, at + length))
        at += length
      }
      return chunks
    })
    await fc.assert(fc.asyncProperty(chunked, async (chunks) => {
      expect(await digestOf(pool, chunks)).toEqual(expected(chunks))
    }), { numRuns: 40 })
  })

  it('hashes with OpenSSL and crc64.ts where WebAssembly is missing (node --jitless), with or without workers', async () => {
    const api = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly') as PropertyDescriptor
    const chunks = body(600 * 1024 + 7, 5)
    Object.defineProperty(globalThis, 'WebAssembly', { value: undefined, configurable: true, writable: true })
    try {
      expect(await digestOf(new DigestPool(0), chunks)).toEqual(expected(chunks))
      expect(await digestOf(new DigestPool(2), chunks)).toEqual(expected(chunks))
    } finally {
      Object.defineProperty(globalThis, 'WebAssembly', api)
    }
  })

  it('gives the standard CRC-64 check value', async () => {
    const digest = new DigestPool(1).start()
    digest.update(Buffer.from('123456789'))
    expect((await digest.finish()).crc64).toBe(0x995dc9bbdf1939fan)
  })
})
