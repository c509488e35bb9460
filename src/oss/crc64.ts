/**
 * CRC-64/ECMA-182 as OSS computes it for `x-oss-hash-crc64ecma` (seed 7.1: crcmod with poly
 * 0x142F0E1EBA9EA3693, reflected, initial and final XOR all ones; also known as CRC-64/XZ).
 * Check value: CRC of "123456789" = 0x995DC9BBDF1939FA.
 *
 * Data of more than a few dozen bytes goes through the WebAssembly loop (crc64-wasm.ts, about
 * twice as fast); the JavaScript loop works on the register as two 32-bit halves (slicing by 8),
 * since BigInt arithmetic per byte would be slow, and serves short data and runtimes without
 * WebAssembly. `crc64Combine` (for multipart objects) uses BigInt, once per part.
 */
import { crc64Tables, loadWasmCrc64 } from './crc64-wasm.js'

const POLY_REFLECTED = 0xc96c5795d7870f42n

/** The tables of crc64-wasm.ts's `update` for CRC-64/ECMA-182, for a module that includes that function. */
export function crc64WasmTables(): BigUint64Array {
  return crc64Tables(POLY_REFLECTED)
}

const TABLE_HI = new Uint32Array(8 * 256)
const TABLE_LO = new Uint32Array(8 * 256)
for (let n = 0; n < 256; n++) {
  let crc = BigInt(n)
  for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ POLY_REFLECTED : crc >> 1n
  TABLE_HI[n] = Number(crc >> 32n)
  TABLE_LO[n] = Number(crc & 0xffffffffn)
}
for (let t = 1; t < 8; t++) {
  for (let n = 0; n < 256; n++) {
    const prevHi = TABLE_HI[(t - 1) * 256 + n] as number
    const prevLo = TABLE_LO[(t - 1) * 256 + n] as number
    const idx = prevLo & 0xff
    TABLE_HI[t * 256 + n] = ((prevHi >>> 8) ^ (TABLE_HI[idx] as number)) >>> 0
    TABLE_LO[t * 256 + n] = (((prevLo >>> 8) | ((prevHi & 0xff) << 24)) ^ (TABLE_LO[idx] as number)) >>> 0
  }
}

const wasmCrc64 = loadWasmCrc64(POLY_REFLECTED)
// Below this, crossing into WebAssembly costs more than it saves.
const WASM_FROM_BYTES = 64

/** Continues a CRC over more data; start from 0n. Returns the CRC as an unsigned 64-bit BigInt. */
export function crc64(data: Uint8Array, previous = 0n): bigint {
  return wasmCrc64 !== undefined && data.length >= WASM_FROM_BYTES ? wasmCrc64(data, previous) : crc64Portable(data, previous)
}

/** `crc64` in plain JavaScript: short data, and runtimes without WebAssembly. */
export function crc64Portable(data: Uint8Array, previous = 0n): bigint {
  let full = ~previous & 0xffffffffffffffffn
  let hi = Number(full >> 32n)
  let lo = Number(full & 0xffffffffn)
  let i = 0
  const end8 = data.length - (data.length % 8)
  for (; i < end8; i += 8) {
    const l = (lo ^ ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24))) >>> 0
    const h = (hi ^ ((data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24))) >>> 0
    const a = 7 * 256 + (l & 0xff), b = 6 * 256 + ((l >>> 8) & 0xff), c = 5 * 256 + ((l >>> 16) & 0xff), d = 4 * 256 + (l >>> 24)
    const e = 3 * 256 + (h & 0xff), f = 2 * 256 + ((h >>> 8) & 0xff), g = 256 + ((h >>> 16) & 0xff), k = h >>> 24
    hi = ((TABLE_HI[a] as number) ^ (TABLE_HI[b] as number) ^ (TABLE_HI[c] as number) ^ (TABLE_HI[d] as number) ^ (TABLE_HI[e] as number) ^ (TABLE_HI[f] as number) ^ (TABLE_HI[g] as number) ^ (TABLE_HI[k] as number)) >>> 0
    lo = ((TABLE_LO[a] as number) ^ (TABLE_LO[b] as number) ^ (TABLE_LO[c] as number) ^ (TABLE_LO[d] as number) ^ (TABLE_LO[e] as number) ^ (TABLE_LO[f] as number) ^ (TABLE_LO[g] as number) ^ (TABLE_LO[k] as number)) >>> 0
  }
  for (; i < data.length; i++) {
    const idx = (lo ^ (data[i] as number)) & 0xff
    const nlo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0
    hi = ((hi >>> 8) ^ (TABLE_HI[idx] as number)) >>> 0
    lo = (nlo ^ (TABLE_LO[idx] as number)) >>> 0
  }
  full = (BigInt(hi) << 32n) | BigInt(lo)
  return ~full & 0xffffffffffffffffn
}

/** The decimal string OSS sends in `x-oss-hash-crc64ecma`. */
export function crc64String(data: Uint8Array): string {
  return crc64(data).toString(10)
}

const MASK = 0xffffffffffffffffn

function gf2MatrixTimes(matrix: bigint[], vector: bigint): bigint {
  let sum = 0n
  let i = 0
  let v = vector
  while (v !== 0n) {
    if (v & 1n) sum ^= matrix[i] as bigint
    v >>= 1n
    i++
  }
  return sum
}

function gf2MatrixSquare(square: bigint[], matrix: bigint[]): void {
  for (let n = 0; n < 64; n++) square[n] = gf2MatrixTimes(matrix, matrix[n] as bigint)
}

/**
 * The CRC of A followed by B, from crc(A), crc(B) and B's length, without reading the data
 * (zlib's crc32_combine method on 64-bit matrices): how a multipart object's CRC is made from its
 * parts' CRCs.
 */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (lengthB <= 0) return crcA
  const even: bigint[] = new Array<bigint>(64).fill(0n)
  const odd: bigint[] = new Array<bigint>(64).fill(0n)
  odd[0] = POLY_REFLECTED
  let row = 1n
  for (let n = 1; n < 64; n++) {
    odd[n] = row
    row <<= 1n
  }
  gf2MatrixSquare(even, odd)
  gf2MatrixSquare(odd, even)
  let crc = crcA & MASK
  let len = lengthB
  do {
    gf2MatrixSquare(even, odd)
    if (len & 1) crc = gf2MatrixTimes(even, crc)
    len = Math.floor(len / 2)
    if (len === 0) break
    gf2MatrixSquare(odd, even)
    if (len & 1) crc = gf2MatrixTimes(odd, crc)
    len = Math.floor(len / 2)
  } while (len !== 0)
  return (crc ^ crcB) & MASK
}
