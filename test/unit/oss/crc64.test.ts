import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc64, crc64Combine, crc64Portable, crc64String } from '../../../src/oss/crc64.js'
import { loadVectorFile } from '../../helpers/vectors.js'

/** Bit-at-a-time CRC-64/XZ straight from the definition: independent of the tables. */
function referenceCrc64(data: Uint8Array): bigint {
  let crc = 0xffffffffffffffffn
  for (const byte of data) {
    crc ^= BigInt(byte)
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n
  }
  return crc ^ 0xffffffffffffffffn
}

const vectors = loadVectorFile<{ name: string; hex: string; expected: string }>('oss/crc64.json')

describe(vectors.file, () => {
  it.each(vectors.cases)('$name', ({ hex, expected }) => {
    expect(crc64String(Buffer.from(hex, 'hex'))).toBe(expected)
  })
})

describe('crc64', () => {
  it('agrees with the bit-by-bit definition on arbitrary data (all slicing paths)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
      expect(crc64(data)).toBe(referenceCrc64(data))
    }), { numRuns: 1000 })
  })

  it('gives the same CRC through WebAssembly and JavaScript, at every length and offset', () => {
    const big = Buffer.alloc(200_000)
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24
    fc.assert(fc.property(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 130_000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (offset, length, previous) => {
      const data = big.subarray(offset, offset + length)
      expect(crc64(data, previous)).toBe(crc64Portable(data, previous))
    }), { numRuns: 300 })
    fc.assert(fc.property(fc.uint8Array({ minLength: 60, maxLength: 300 }), (data) => {
      expect(crc64(data)).toBe(referenceCrc64(data))
    }), { numRuns: 500 })
  })

  it('continues across chunks as if the data were one', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
      expect(crc64(b, crc64(a))).toBe(crc64(Buffer.concat([a, b])))
    }))
  })

  it('combines the CRCs of parts into the CRC of the whole (multipart)', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }), (parts) => {
      let combined = crc64(parts[0] as Uint8Array)
      for (const part of parts.slice(1)) combined = crc64Combine(combined, crc64(part), part.length)
      expect(combined).toBe(crc64(Buffer.concat(parts)))
    }), { numRuns: 300 })
  })

  it('combines large parts without reading them', () => {
    const a = Buffer.alloc(5 * 1024 * 1024, 7)
    const b = Buffer.alloc(3 * 1024 * 1024 + 13, 9)
    expect(crc64Combine(crc64(a), crc64(b), b.length)).toBe(crc64(Buffer.concat([a, b])))
  })
})
