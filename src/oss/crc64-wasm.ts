/*
 * CRC-64 slicing by 16 in WebAssembly: the same table method as the JavaScript loop in crc64.ts,
 * but on native 64-bit integers, so each 16 bytes cost 16 table loads instead of 32 and twice as
 * many shifts. About twice the JavaScript loop's speed, copy into the module's memory included.
 *
 * The module is small enough to be written here instruction by instruction (wasm-emit.ts): one
 * function `update(pointer, length, crc) -> crc` over the data at `pointer`, with the 16 tables
 * of 256 entries at the start of memory.
 */

import { I32, I64, get, i32, i64, load64, load8, op, set, wasmModule, webAssembly, type WasmApi, type WasmFunction } from './wasm-emit.js'

const TABLE_BYTES = 256 * 8
const TABLES = 16
/** How much memory the tables take, from address 0. */
export const CRC64_TABLES_BYTES = TABLES * TABLE_BYTES
/** Where data is copied to: after the tables. */
const DATA_AT = CRC64_TABLES_BYTES
/** How much data one call takes: memory is two 64 KiB pages, the tables use 32 KiB. */
const WINDOW = 65536

// Locals: 0 pointer, 1 length, 2 crc (parameters); 3 end of the 16-byte blocks, 4 end, 5 word.
const P = 0
const N = 1
const CRC = 2
const END16 = 3
const END = 4
const WORD = 5

/**
 * The entry of table `table` for byte `shift / 8` of the 64-bit value `value` leaves on the stack.
 * The byte is shifted straight to its offset in the table (index * 8) and masked there: two
 * operations instead of shift, mask, shift (the CRC shares the one-pass digest's loop with MD5).
 */
function lookup(value: number[], shift: number, table: number): number[] {
  const offset = shift === 0 ? [op.i32Wrap, ...i32(3), op.i32Shl] : [...i64(shift - 3), op.i64ShrU, op.i32Wrap]
  return [...value, ...offset, ...i32(0x7f8), op.i32And, ...load64(table * TABLE_BYTES)]
}

/**
 * Code that advances the CRC in local `crc` over the 8 bytes at `pointer + offset` (slicing by 8,
 * tables 7-0): a step another loop can interleave with its own work.
 */
export function crc64Step8(pointer: number, offset: number, crc: number): number[] {
  const code = [...get(crc), ...get(pointer), ...load64(offset), op.i64Xor, ...set(crc), ...lookup(get(crc), 0, 7)]
  for (let j = 1; j < 8; j++) code.push(...lookup(get(crc), 8 * j, 7 - j), op.i64Xor)
  return [...code, ...set(crc)]
}

function updateBody(): number[] {
  const terms: number[][] = []
  // Bytes 0-7 (crc folded in) through tables 15-8, bytes 8-15 through tables 7-0.
  for (let j = 0; j < 8; j++) terms.push(lookup(get(WORD), 8 * j, 15 - j))
  for (let j = 0; j < 8; j++) terms.push(lookup([...get(P), ...load64(8)], 8 * j, 7 - j))
  const combined = [...(terms[0] as number[])]
  for (const term of terms.slice(1)) combined.push(...term, op.i64Xor)
  return [
    ...get(CRC), ...i64(-1), op.i64Xor, ...set(CRC),
    ...get(P), ...get(N), op.i32Add, ...set(END),
    ...get(P), ...get(N), ...i32(-16), op.i32And, op.i32Add, ...set(END16),
    ...op.block, ...op.loop,
    ...get(P), ...get(END16), op.i32GeU, op.brIf, 1,
    ...get(CRC), ...get(P), ...load64(0), op.i64Xor, ...set(WORD),
    ...combined, ...set(CRC),
    ...get(P), ...i32(16), op.i32Add, ...set(P),
    op.br, 0, op.end, op.end,
    // The last 0-15 bytes one at a time: crc = T0[(crc ^ byte) & 0xff] ^ (crc >> 8).
    ...op.block, ...op.loop,
    ...get(P), ...get(END), op.i32GeU, op.brIf, 1,
    ...get(CRC), ...i64(8), op.i64ShrU,
    ...get(CRC), ...get(P), ...load8, op.i64ExtendU, op.i64Xor, op.i32Wrap, ...i32(255), op.i32And, ...i32(3), op.i32Shl, ...load64(0),
    op.i64Xor, ...set(CRC),
    ...get(P), ...i32(1), op.i32Add, ...set(P),
    op.br, 0, op.end, op.end,
    ...get(CRC), ...i64(-1), op.i64Xor,
  ]
}

/** `update(pointer, length, crc) -> crc`, for a module whose memory starts with the tables of `crc64Tables`. */
export function crc64UpdateFunction(): WasmFunction {
  return { name: 'update', params: [I32, I32, I64], results: [I64], locals: [[2, I32], [1, I64]], code: updateBody() }
}

/** The 16 tables of 256 entries for reflected polynomial `poly`, in the order the code reads them. */
export function crc64Tables(poly: bigint): BigUint64Array {
  const tables = new BigUint64Array(TABLES * 256)
  for (let n = 0; n < 256; n++) {
    let crc = BigInt(n)
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n
    tables[n] = crc
  }
  for (let t = 1; t < TABLES; t++) {
    for (let n = 0; n < 256; n++) {
      const previous = tables[(t - 1) * 256 + n] as bigint
      tables[t * 256 + n] = (previous >> 8n) ^ (tables[Number(previous & 0xffn)] as bigint)
    }
  }
  return tables
}

/**
 * `(data, previous) => crc` continuing a CRC-64 with reflected polynomial `poly` (same contract as
 * `crc64`), or undefined where WebAssembly is not available (node --jitless).
 */
export function loadWasmCrc64(poly: bigint): ((data: Uint8Array, previous: bigint) => bigint) | undefined {
  const wasm = webAssembly()
  if (wasm === undefined) return undefined
  let instance: InstanceType<WasmApi['Instance']>
  try {
    instance = new wasm.Instance(new wasm.Module(wasmModule([crc64UpdateFunction()], 2)))
  } catch {
    return undefined
  }
  const memory = instance.exports['memory'] as { readonly buffer: ArrayBuffer }
  const update = instance.exports['update'] as (pointer: number, length: number, crc: bigint) => bigint
  new BigUint64Array(memory.buffer, 0, TABLES * 256).set(crc64Tables(poly))
  const bytes = new Uint8Array(memory.buffer)
  return (data, previous) => {
    let crc = previous
    for (let offset = 0; offset < data.length; offset += WINDOW) {
      const chunk = data.subarray(offset, Math.min(offset + WINDOW, data.length))
      bytes.set(chunk, DATA_AT)
      crc = update(DATA_AT, chunk.length, crc)
    }
    return BigInt.asUintN(64, crc)
  }
}
