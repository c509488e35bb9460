import { createHash, type Hash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { crc64, crc64WasmParts } from '../oss/crc64.js'
import { OnePassDigests } from './one-pass-digest.js'

/** What the store records of every body: its MD5 (ETag, Content-MD5) and CRC-64 (x-oss-hash-crc64ecma). */
export interface Digests {
  readonly md5: Buffer
  readonly crc64: bigint
}

/** MD5 and CRC-64 of a body fed in order, chunk by chunk. */
export interface BodyDigest {
  /** Takes the chunk as it is (not copied now): it must not change afterwards. */
  update(chunk: Buffer): void
  /**
   * Undefined, or a promise to wait for before reading more: the worker is more than
   * BACKLOG_BYTES behind this body (memory stays bounded however fast the bytes arrive).
   */
  backlog(): Promise<void> | undefined
  finish(): Promise<Digests>
  /** The body failed: forget it. */
  abort(): void
}

/** Bodies up to this size are hashed on the calling thread: a worker round trip costs more. */
const INLINE_BYTES = 128 * 1024
/** Bytes gathered before they are sent to the worker: one message (and one copy) per MiB. */
const SEND_BYTES = 1024 * 1024
/** How far the worker may fall behind one body before its reader waits. */
const BACKLOG_BYTES = 8 * 1024 * 1024

// The worker: one MD5 and one CRC-64 (the WebAssembly loop of crc64-wasm.ts) per body id, fed
// in order by the messages of the thread that owns the body. Plain CommonJS, run with eval.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { module, tables, dataAt, window } = workerData
const instance = new WebAssembly.Instance(module)
new BigUint64Array(instance.exports.memory.buffer, 0, tables.length).set(tables)
const memory = new Uint8Array(instance.exports.memory.buffer)
const update = instance.exports.update
const bodies = new Map()
parentPort.on('message', (m) => {
  let body = bodies.get(m.id)
  if (m.abort) {
    bodies.delete(m.id)
    return
  }
  if (body === undefined) bodies.set(m.id, (body = { md5: createHash('md5'), crc: 0n }))
  if (m.bytes) {
    body.md5.update(m.bytes)
    for (let offset = 0; offset < m.bytes.length; offset += window) {
      const chunk = m.bytes.subarray(offset, Math.min(offset + window, m.bytes.length))
      memory.set(chunk, dataAt)
      body.crc = update(dataAt, chunk.length, body.crc)
    }
  }
  if (m.bytes && !m.end) parentPort.postMessage({ id: m.id, hashed: m.bytes.length })
  if (m.end) {
    bodies.delete(m.id)
    parentPort.postMessage({ id: m.id, md5: new Uint8Array(body.md5.digest()), crc: BigInt.asUintN(64, body.crc) })
  }
})
`

interface Pending {
  readonly resolve: (digests: Digests) => void
  readonly reject: (err: Error) => void
}

/** A worker thread hashing bodies; `ref`d only while someone waits on it. */
class DigestWorker {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  /** Bytes sent but not yet hashed, per body, and who waits for them to drain. */
  readonly #backlog = new Map<number, { bytes: number; drained?: () => void }>()
  #failed: Error | undefined

  constructor(parts: NonNullable<ReturnType<typeof crc64WasmParts>>) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: parts })
    this.#worker.unref()
    this.#worker.on('message', (m: { id: number; hashed?: number; md5: Uint8Array; crc: bigint }) => {
      if (m.hashed !== undefined) return this.#hashed(m.id, m.hashed)
      const pending = this.#pending.get(m.id)
      if (!pending) return
      this.#settled(m.id)
      pending.resolve({ md5: Buffer.from(m.md5.buffer, m.md5.byteOffset, m.md5.byteLength), crc64: m.crc })
    })
    this.#worker.on('error', (err) => this.#fail(err))
    this.#worker.on('exit', () => this.#fail(new Error('digest worker exited')))
  }

  get load(): number {
    return this.#pending.size
  }

  get failed(): boolean {
    return this.#failed !== undefined
  }

  /** Hands `bytes` (a buffer of its own, moved to the worker) to body `id`. */
  send(id: number, bytes: Buffer | undefined, end: boolean): Promise<Digests> | undefined {
    if (this.#failed) throw this.#failed
    const message = { id, ...(bytes ? { bytes } : {}), ...(end ? { end: true } : {}) }
    if (!end) {
      if (bytes) {
        const backlog = this.#backlog.get(id)
        if (backlog) backlog.bytes += bytes.length
        else this.#backlog.set(id, { bytes: bytes.length })
      }
      this.#worker.postMessage(message, bytes ? [bytes.buffer as ArrayBuffer] : [])
      return undefined
    }
    this.#release(id)
    const answer = new Promise<Digests>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#keepAlive()
    })
    this.#worker.postMessage(message, bytes ? [bytes.buffer as ArrayBuffer] : [])
    return answer
  }

  abort(id: number): void {
    this.#release(id)
    if (!this.#failed) this.#worker.postMessage({ id, abort: true })
  }

  /** Resolves once body `id` has at most `limit` bytes waiting in the worker (undefined: already so). */
  drained(id: number, limit: number): Promise<void> | undefined {
    const backlog = this.#backlog.get(id)
    if (this.#failed || !backlog || backlog.bytes <= limit) return undefined
    return new Promise<void>((resolve) => {
      backlog.drained = resolve
      this.#keepAlive()
    })
  }

  /** Referenced while anyone waits on it (answers or a drained backlog), so the process waits too. */
  #keepAlive(): void {
    const waited = this.#pending.size > 0 || [...this.#backlog.values()].some((b) => b.drained !== undefined)
    if (waited) this.#worker.ref()
    else this.#worker.unref()
  }

  #hashed(id: number, bytes: number): void {
    const backlog = this.#backlog.get(id)
    if (!backlog) return
    backlog.bytes -= bytes
    if (backlog.drained && backlog.bytes <= BACKLOG_BYTES) {
      const drained = backlog.drained
      delete backlog.drained
      this.#keepAlive()
      drained()
    }
  }

  /** Forgets body `id`'s backlog, letting anyone waiting on it go. */
  #release(id: number): void {
    const drained = this.#backlog.get(id)?.drained
    this.#backlog.delete(id)
    if (drained) {
      this.#keepAlive()
      drained()
    }
  }

  #settled(id: number): void {
    this.#pending.delete(id)
    this.#keepAlive()
  }

  #fail(err: Error): void {
    this.#failed ??= err
    for (const id of [...this.#backlog.keys()]) this.#release(id)
    for (const [id, pending] of this.#pending) {
      this.#settled(id)
      pending.reject(err)
    }
  }
}

/** Gathers `chunks` (`total` bytes) into one buffer of its own, which can be moved to a worker. */
function gather(chunks: readonly Buffer[], total: number): Buffer {
  const out = Buffer.allocUnsafeSlow(total)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

function inlineDigest(chunks: readonly Buffer[]): Digests {
  const md5 = createHash('md5')
  let crc = 0n
  for (const chunk of chunks) {
    md5.update(chunk)
    crc = crc64(chunk, crc)
  }
  return { md5: md5.digest(), crc64: crc }
}

/**
 * MD5 and CRC-64 of request bodies, on worker threads or on the calling thread.
 *
 * On worker threads (OpenSSL's MD5, then crc64-wasm.ts's loop), the thread that reads sockets and
 * writes files is not the one hashing every byte: with cores to spare, uploads are not bound by
 * one thread. Small bodies are hashed inline.
 *
 * On the calling thread (size 0), each chunk goes once through one WebAssembly loop that does
 * both (one-pass-digest.ts, about 1.55 ms of CPU per MiB against 2.0). That is the default on one
 * or two cores, where a worker adds no throughput (both cores are busy anyway) but costs a copy,
 * a message and a thread wake-up per body: in alternating runs on the 2-core development machine
 * (1 MiB uploads through ali-oss, 8 at once) the rate was the same within noise either way,
 * 195-216 MB/s with a worker and 185-231 MB/s inline, for less CPU inline. Without WebAssembly,
 * everything is hashed inline with OpenSSL's MD5 and crc64.ts.
 */
export class DigestPool {
  readonly #size: number
  readonly #workers: DigestWorker[] = []
  #parts: ReturnType<typeof crc64WasmParts> | null = null
  #onePass: OnePassDigests | undefined | null = null
  #nextId = 1

  /** `size` worker threads at most (0: everything on the calling thread). */
  constructor(size = availableParallelism() > 2 ? Math.min(4, availableParallelism() - 1) : 0) {
    this.#size = size
  }

  /** The least busy worker, started on first use; undefined when none can run. */
  #worker(): DigestWorker | undefined {
    if (this.#size === 0) return undefined
    for (let i = this.#workers.length - 1; i >= 0; i--) if (this.#workers[i]?.failed) this.#workers.splice(i, 1)
    const idle = this.#workers.find((w) => w.load === 0)
    if (idle || this.#workers.length >= this.#size) return idle ?? this.#workers.reduce((a, b) => (b.load < a.load ? b : a))
    if (this.#parts === null) this.#parts = crc64WasmParts()
    if (this.#parts === undefined) return undefined
    try {
      const worker = new DigestWorker(this.#parts)
      this.#workers.push(worker)
      return worker
    } catch {
      return this.#workers[0]
    }
  }

  /** A digest for one body. */
  start(): BodyDigest {
    if (this.#size === 0) {
      if (this.#onePass === null) this.#onePass = OnePassDigests.create()
      if (this.#onePass !== undefined) return this.#onePass.start()
    }
    // Undecided while the body is small (its chunks held); then on a worker, or, when no worker
    // can run, inline.
    let held: Buffer[] = []
    let heldBytes = 0
    let worker: DigestWorker | undefined
    let inline: { md5: Hash; crc: bigint } | undefined
    const id = this.#nextId++
    const send = (end: boolean) => {
      const bytes = heldBytes > 0 ? gather(held, heldBytes) : undefined
      held = []
      heldBytes = 0
      return (worker as DigestWorker).send(id, bytes, end)
    }
    return {
      update: (chunk) => {
        if (inline) {
          inline.md5.update(chunk)
          inline.crc = crc64(chunk, inline.crc)
          return
        }
        held.push(chunk)
        heldBytes += chunk.length
        if (worker === undefined && heldBytes > INLINE_BYTES) {
          worker = this.#worker()
          if (worker === undefined) {
            inline = { md5: createHash('md5'), crc: 0n }
            for (const c of held) {
              inline.md5.update(c)
              inline.crc = crc64(c, inline.crc)
            }
            held = []
            heldBytes = 0
            return
          }
        }
        if (worker !== undefined && heldBytes >= SEND_BYTES) send(false)
      },
      backlog: () => worker?.drained(id, BACKLOG_BYTES),
      finish: async () => {
        if (inline) return { md5: inline.md5.digest(), crc64: inline.crc }
        if (worker === undefined) return inlineDigest(held)
        return send(true) as Promise<Digests>
      },
      abort: () => {
        held = []
        worker?.abort(id)
      },
    }
  }
}
