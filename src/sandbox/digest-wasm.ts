/*
 * The WebAssembly module that hashes upload bodies in the sandbox: MD5 and CRC-64 in one pass.
 * MD5 is a chain of dependent steps that leaves most of a core's execution units idle; the CRC's
 * table lookups are independent of it, so interleaved in the same loop they come almost for free.
 * On the 2-core development machine: 1.59 ms per MiB for both, where OpenSSL's MD5 alone takes 1.72
 * and its MD5 followed by crc64-wasm.ts's loop 2.3; 288 cycles of dependent steps per block (below)
 * make about 1.57 at 3 GHz, so the loop runs at MD5's own bound.
 */
import { CRC64_TABLES_BYTES, crc64Step8, crc64UpdateFunction } from '../oss/crc64-wasm.js'
import { I32, I64, get, i32, i64, load32, op, set, store32, wasmModule, type WasmFunction } from '../oss/wasm-emit.js'

/** The MD5 state (A, B, C, D) that `md5crc` starts from and leaves. */
export const STATE_AT = CRC64_TABLES_BYTES
/** Where data is copied to, and how much of it one call takes (a multiple of 64). */
export const DATA_AT = STATE_AT + 64
export const WINDOW_BYTES = 128 * 1024
const PAGES = Math.ceil((DATA_AT + WINDOW_BYTES + 64) / 65536)

const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0)
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
/** The message word step `i` adds, and its rotation. */
const wordOf = (i: number) => (i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16)
const shiftOf = (i: number) => SHIFTS[(i >> 4) * 4 + (i & 3)] as number

/**
 * The round function of step `i` added to the sum on the stack. Written so that b, the value the
 * previous step just made, enters last (that chain bounds MD5's speed): G as (c & ~d) + (d & b),
 * whose halves never share a bit, and H as b ^ (c ^ d). That leaves 5, 4, 4 and 5 dependent
 * operations per step in the four rounds (round function, add, rotate, add b): 288 per block.
 */
function addRound(i: number, b: number, c: number, d: number): number[] {
  const { i32Add: add, i32And: and, i32Or: or, i32Xor: xor } = op
  if (i < 16) return [...get(d), ...get(b), ...get(c), ...get(d), xor, and, xor, add]
  if (i < 32) return [...get(d), ...i32(-1), xor, ...get(c), and, add, ...get(d), ...get(b), and, add]
  if (i < 48) return [...get(c), ...get(d), xor, ...get(b), xor, add]
  return [...get(c), ...get(b), ...get(d), ...i32(-1), xor, or, xor, add]
}

/**
 * `md5crc(pointer, blocks, crc) -> crc`: MD5 of `blocks` 64-byte blocks at `pointer` into the state
 * at STATE_AT, and the CRC-64 `crc` continued over the same bytes (one 8-byte CRC step per eight
 * MD5 steps).
 */
function md5crc(): WasmFunction {
  const P = 0
  const N = 1
  const CRC = 2
  const state = [3, 4, 5, 6]
  const saved = [7, 8, 9, 10]
  const code: number[] = [...get(CRC), ...i64(-1), op.i64Xor, ...set(CRC)]
  state.forEach((r, k) => code.push(...i32(0), ...load32(STATE_AT + 4 * k), ...set(r)))
  code.push(...op.block, ...op.loop, ...get(N), op.i32Eqz, op.brIf, 1)
  state.forEach((r, k) => code.push(...get(r), ...set(saved[k] as number)))
  for (let i = 0; i < 64; i++) {
    if (i % 8 === 0) code.push(...crc64Step8(P, i, CRC))
    // a, b, c, d rotate over the four locals instead of being copied.
    const [a, b, c, d] = [0, 1, 2, 3].map((r) => state[(r - i) & 3] as number) as [number, number, number, number]
    // (a + K) + word first: written as (a + word) + K, V8 folds K into the round function's add as
    // a three-part LEA, which takes two cycles on AMD Zen, on the chain (1.94 ms per MiB instead of 1.59).
    code.push(...get(a), ...i32(K[i] as number), op.i32Add, ...get(P), ...load32(4 * wordOf(i)), op.i32Add, ...addRound(i, b, c, d))
    code.push(...i32(shiftOf(i)), op.i32Rotl, ...get(b), op.i32Add, ...set(a))
  }
  state.forEach((r, k) => code.push(...get(r), ...get(saved[k] as number), op.i32Add, ...set(r)))
  code.push(...get(P), ...i32(64), op.i32Add, ...set(P), ...get(N), ...i32(1), op.i32Sub, ...set(N), op.br, 0, op.end, op.end)
  state.forEach((r, k) => code.push(...i32(0), ...get(r), ...store32(STATE_AT + 4 * k)))
  code.push(...get(CRC), ...i64(-1), op.i64Xor)
  return { name: 'md5crc', params: [I32, I32, I64], results: [I64], locals: [[8, I32]], code }
}

/** The module: `md5crc`, and crc64-wasm.ts's `update` for bytes that do not fill a block; CRC tables at address 0. */
export function digestModuleBytes(): Uint8Array {
  return wasmModule([crc64UpdateFunction(), md5crc()], PAGES)
}
