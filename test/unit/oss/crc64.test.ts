import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc64, crc64Combine, crc64String } from '../../../src/oss/crc64.js'
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
