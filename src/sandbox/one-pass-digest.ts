import { crc64WasmTables } from '../oss/crc64.js'
import { webAssembly } from '../oss/wasm-emit.js'
import type { BodyDigest, Digests } from './body-digest.js'
import { DATA_AT, STATE_AT, WINDOW_BYTES, digestModuleBytes } from './digest-wasm.js'

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer }
  readonly update: (pointer: number, length: number, crc: bigint) => bigint
  readonly md5crc: (pointer: number, blocks: number, crc: bigint) => bigint
}

/** Where one body's MD5 and CRC-64 stand between chunks. */
interface Running {
  readonly md5: Uint32Array
  crc: bigint
  /** Bytes after the last whole 64-byte block, hashed with the next chunk's. */
  readonly carry: Uint8Array
  carried: number
  total: number
}

const MD5_INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]

/** The compiled module and what an instance needs: all a worker thread needs to hash the same way. */
export interface OnePassParts {
  /** A `WebAssembly.Module` (can be posted to a worker thread). */
  readonly module: object
  /** CRC-64 tables, copied to address 0 of each instance's memory. */
  readonly tables: BigUint64Array
  readonly stateAt: number
  readonly dataAt: number
  /** Bytes one `md5crc` call takes at most (a multiple of 64). */
  readonly window: number
  /** MD5's initial state (A, B, C, D). */
  readonly init: readonly number[]
}

/** Undefined where WebAssembly is not available (node --jitless). */
export function onePassParts(): OnePassParts | undefined {
  const api = webAssembly()
  if (api === undefined) return undefined
  try {
    return { module: new api.Module(digestModuleBytes()), tables: crc64WasmTables(), stateAt: STATE_AT, dataAt: DATA_AT, window: WINDOW_BYTES, init: MD5_INIT }
  } catch {
    return undefined
  }
}

/** Where a body stands after whole blocks hashed elsewhere (a worker thread with the same module). */
export interface BlocksHashed {
  /** MD5's state (A, B, C, D) after them. */
  readonly md5: Uint32Array
  readonly crc: bigint
  /** How many bytes they were (a multiple of 64). */
  readonly bytes: number
}

/**
 * MD5 and CRC-64 of request bodies on the calling thread, each byte read once by one WebAssembly
 * loop that does both (digest-wasm.ts). Chunks are hashed as they arrive, so nothing is held.
 */
export class OnePassDigests {
  readonly #wasm: Exports
  readonly #bytes: Uint8Array
  readonly #words: Uint32Array

  private constructor(wasm: Exports, tables: BigUint64Array) {
    this.#wasm = wasm
    this.#bytes = new Uint8Array(wasm.memory.buffer)
    this.#words = new Uint32Array(wasm.memory.buffer)
    new BigUint64Array(wasm.memory.buffer, 0, tables.length).set(tables)
  }

  /** Undefined where WebAssembly is not available (node --jitless). */
  static create(parts = onePassParts()): OnePassDigests | undefined {
    const api = webAssembly()
    if (api === undefined || parts === undefined) return undefined
    try {
      return new OnePassDigests(new api.Instance(parts.module).exports as unknown as Exports, parts.tables)
    } catch {
      return undefined
    }
  }

  /** A digest for one body, from its start or from where `from` left it. */
  start(from?: BlocksHashed): BodyDigest {
    const body: Running = from
      ? { md5: Uint32Array.from(from.md5), crc: from.crc, carry: new Uint8Array(64), carried: 0, total: from.bytes }
      : { md5: Uint32Array.from(MD5_INIT), crc: 0n, carry: new Uint8Array(64), carried: 0, total: 0 }
    let done = false
    return {
      update: (chunk) => {
        if (done) return
        body.total += chunk.length
        for (let offset = 0; offset < chunk.length; ) {
          const take = Math.min(chunk.length - offset, WINDOW_BYTES - body.carried)
          this.#bytes.set(body.carry.subarray(0, body.carried), DATA_AT)
          this.#bytes.set(chunk.subarray(offset, offset + take), DATA_AT + body.carried)
          this.#blocks(body, body.carried + take)
          offset += take
        }
      },
      backlog: () => undefined,
      finish: async () => {
        done = true
        return this.#final(body)
      },
      abort: () => {
        done = true
      },
    }
  }

  /** Hashes the whole blocks of the `length` bytes at DATA_AT and keeps the rest as the carry. */
  #blocks(body: Running, length: number): void {
    const blocks = length >>> 6
    if (blocks > 0) body.crc = this.#md5crc(body, blocks)
    body.carried = length & 63
    body.carry.set(this.#bytes.subarray(DATA_AT + blocks * 64, DATA_AT + length))
  }

  /** MD5 (and CRC) of `blocks` blocks at DATA_AT, with the body's MD5 state loaded and saved back. */
  #md5crc(body: Running, blocks: number): bigint {
    const at = STATE_AT / 4
    this.#words.set(body.md5, at)
    const crc = this.#wasm.md5crc(DATA_AT, blocks, body.crc)
    body.md5.set(this.#words.subarray(at, at + 4))
    return crc
  }

  /** The carry into the CRC, then MD5's padding (0x80, zeros, the length in bits) after it. */
  #final(body: Running): Digests {
    const bytes = this.#bytes
    bytes.set(body.carry.subarray(0, body.carried), DATA_AT)
    const crc = this.#wasm.update(DATA_AT, body.carried, body.crc)
    const blocks = body.carried < 56 ? 1 : 2
    bytes.fill(0, DATA_AT + body.carried, DATA_AT + blocks * 64)
    bytes[DATA_AT + body.carried] = 0x80
    new DataView(bytes.buffer).setBigUint64(DATA_AT + blocks * 64 - 8, BigInt(body.total) * 8n, true)
    this.#md5crc(body, blocks)
    const md5 = Buffer.alloc(16)
    body.md5.forEach((word, r) => md5.writeUInt32LE(word, 4 * r))
    return { md5, crc64: BigInt.asUintN(64, crc) }
  }
}
