import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc64Portable } from '../../../src/oss/crc64.js'
import { WINDOW_BYTES } from '../../../src/sandbox/digest-wasm.js'
import { OnePassDigests } from '../../../src/sandbox/one-pass-digest.js'
import { loadVectorFile } from '../../helpers/vectors.js'

const digests = OnePassDigests.create()
if (digests === undefined) throw new Error('WebAssembly is missing: the one-pass digest cannot be tested')
const pool = digests

async function digestOf(chunks: readonly Uint8Array[]) {
  const digest = pool.start()
  for (const chunk of chunks) digest.update(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
  const { md5, crc64 } = await digest.finish()
  return { md5: md5.toString('hex'), crc64 }
}

const expected = (chunks: readonly Uint8Array[]) => {
  const whole = Buffer.concat(chunks)
  return { md5: createHash('md5').update(whole).digest('hex'), crc64: crc64Portable(whole) }
}

const md5Vectors = loadVectorFile<{ name: string; text: string; md5: string }>('sandbox/md5.json')
const crcVectors = loadVectorFile<{ name: string; hex: string; expected: string }>('oss/crc64.json')

describe(md5Vectors.file, () => {
  it.each(md5Vectors.cases)('$name, whole and byte by byte', async ({ text, md5 }) => {
    const bytes = Buffer.from(text, 'utf8')
    expect((await digestOf([bytes])).md5).toBe(md5)
    expect((await digestOf([...bytes].map((b) => Uint8Array.of(b)))).md5).toBe(md5)
  })
})

describe(`${crcVectors.file} through the one-pass digest`, () => {
  it.each(crcVectors.cases)('$name', async ({ hex, expected: crc }) => {
    expect((await digestOf([Buffer.from(hex, 'hex')])).crc64.toString(10)).toBe(crc)
  })
})

describe('OnePassDigests', () => {
  // Sizes around MD5's block and padding edges and around the copy window, in uneven chunks.
  const edgeSize = fc.oneof(
    fc.integer({ min: 0, max: 200 }),
    fc.constantFrom(55, 56, 63, 64, 65, 119, 120, 127, 128, 129),
    fc.integer({ min: WINDOW_BYTES - 130, max: WINDOW_BYTES + 130 }),
    fc.integer({ min: 0, max: 3 * WINDOW_BYTES }),
  )
  const chunked = edgeSize.chain((size) =>
    fc.tuple(fc.uint8Array({ minLength: size, maxLength: size }), fc.array(fc.integer({ min: 0, max: size }), { maxLength: 12 })).map(([bytes, cuts]) => {
      const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), size]
      return points.slice(1).map((end, i) => bytes.subarray(points[i] as number, end))
    }),
  )

  it('gives node:crypto\'s MD5 and the portable CRC-64 for any body, however it is chunked', async () => {
    await fc.assert(fc.asyncProperty(chunked, async (chunks) => {
      expect(await digestOf(chunks)).toEqual(expected(chunks))
    }), { numRuns: 150 })
  })

  it('keeps bodies fed side by side apart, and an aborted one out of the others', async () => {
    await fc.assert(fc.asyncProperty(fc.array(chunked, { minLength: 2, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 200 }), fc.nat(), async (bodies, order, abortAt) => {
      const running = bodies.map(() => pool.start())
      const aborted = abortAt % bodies.length
      const next = bodies.map(() => 0)
      // Chunks in the drawn order, then whatever is left, body by body.
      const feed = (i: number) => {
        const chunk = bodies[i]?.[next[i] as number]
        if (chunk === undefined) return
        running[i]?.update(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        next[i] = (next[i] as number) + 1
      }
      for (const pick of order) feed(pick % bodies.length)
      running[aborted]?.abort()
      for (let i = 0; i < bodies.length; i++) while ((next[i] as number) < (bodies[i] as Uint8Array[]).length) feed(i)
      for (let i = 0; i < bodies.length; i++) {
        if (i === aborted) continue
        const { md5, crc64 } = await (running[i] as ReturnType<typeof pool.start>).finish()
        expect({ md5: md5.toString('hex'), crc64 }).toEqual(expected(bodies[i] as Uint8Array[]))
      }
    }), { numRuns: 60 })
  })

  it('ignores chunks after the end', async () => {
    const digest = pool.start()
    digest.update(Buffer.from('123456789'))
    const first = await digest.finish()
    digest.update(Buffer.from('more'))
    expect(first.crc64).toBe(0x995dc9bbdf1939fan)
    expect(first.md5.toString('hex')).toBe(createHash('md5').update('123456789').digest('hex'))
  })
})
