/*
 * Just enough of the WebAssembly binary format to write small modules instruction by instruction
 * (no toolchain, no binary blob): the CRC-64 loop (crc64-wasm.ts) and the sandbox's one-pass MD5
 * and CRC-64 (sandbox/digest-wasm.ts). Loaded by browsers too, through crc64-wasm.ts: no Buffer here.
 */

export const I32 = 0x7f
export const I64 = 0x7e
export const V128 = 0x7b

export function uleb(value: number): number[] {
  const out: number[] = []
  let n = value
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

export function sleb(value: number): number[] {
  const out: number[] = []
  let n = BigInt(value)
  for (;;) {
    const byte = Number(n & 0x7fn)
    n >>= 7n
    if ((n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0)) return [...out, byte]
    out.push(byte | 0x80)
  }
}

const vector = (items: readonly (readonly number[])[]) => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: readonly number[]) => [id, ...uleb(body.length), ...body]
const name = (text: string) => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))]

export const op = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: 0x0b, br: 0x0c, brIf: 0x0d,
  i32Eqz: 0x45, i32GeU: 0x4f, i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32Rotl: 0x77, i32Wrap: 0xa7,
  i64Xor: 0x85, i64ShrU: 0x88, i64ExtendU: 0xad,
} as const
export const get = (local: number) => [0x20, ...uleb(local)]
export const set = (local: number) => [0x21, ...uleb(local)]
export const tee = (local: number) => [0x22, ...uleb(local)]
export const i32 = (value: number) => [0x41, ...sleb(value)]
export const i64 = (value: number) => [0x42, ...sleb(value)]
export const load32 = (offset: number) => [0x28, 2, ...uleb(offset)]
export const store32 = (offset: number) => [0x36, 2, ...uleb(offset)]
export const load64 = (offset: number) => [0x29, 3, ...uleb(offset)]
export const load8 = [0x2d, 0, 0]
/** A 128-bit SIMD instruction (prefix 0xfd). */
export const simd = (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates]

/** One exported function: its signature, its locals after the parameters, and its code (without the final `end`). */
export interface WasmFunction {
  readonly name: string
  readonly params: readonly number[]
  readonly results: readonly number[]
  readonly locals: readonly (readonly [count: number, type: number])[]
  readonly code: readonly number[]
}

/** A module of `functions`, each exported by its name, and one memory of `pages` 64 KiB pages exported as `memory`. */
export function wasmModule(functions: readonly WasmFunction[], pages: number): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))])
  const bodies = functions.map((f) => {
    const body = [...vector(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.code, op.end]
    return [...uleb(body.length), ...body]
  })
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(5, vector([[0x00, ...uleb(pages)]])),
    ...section(7, vector([[...name('memory'), 0x02, 0], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])])),
    ...section(10, vector(bodies)),
  ])
}

// The parts of the WebAssembly API used here (the compiler's Node types do not declare it).
export interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object) => { readonly exports: Record<string, unknown> }
}

/** The runtime's WebAssembly, or undefined (node --jitless, old browsers). */
export const webAssembly = (): WasmApi | undefined => (globalThis as { WebAssembly?: WasmApi }).WebAssembly
