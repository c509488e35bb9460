import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { crc64 } from '../oss/crc64.js'
import { OnePassDigests, onePassParts, type BlocksHashed, type OnePassParts } from './one-pass-digest.js'

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

// The worker: the one-pass module of digest-wasm.ts (MD5 and CRC-64 in one loop), one state per
// body id, fed whole 64-byte blocks in order by the messages of the thread that owns the body. At
// the end it hands the state back, and that thread finishes the body (its last bytes and MD5's
// padding) with its own instance of the module. Plain CommonJS, run with eval.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { module, tables, stateAt, dataAt, window, init } = workerData
const wasm = new WebAssembly.Instance(module).exports
new BigUint64Array(wasm.memory.buffer, 0, tables.length).set(tables)
const memory = new Uint8Array(wasm.memory.buffer)
const words = new Uint32Array(wasm.memory.buffer)
const bodies = new Map()
parentPort.on('message', (m) => {
  let body = bodies.get(m.id)
  if (m.abort) {
    bodies.delete(m.id)
    return
  }
  if (body === undefined) bodies.set(m.id, (body = { md5: Uint32Array.from(init), crc: 0n, bytes: 0 }))
  if (m.bytes) {
    for (let offset = 0; offset < m.bytes.length; offset += window) {
      const chunk = m.bytes.subarray(offset, Math.min(offset + window, m.bytes.length))
      memory.set(chunk, dataAt)
      words.set(body.md5, stateAt / 4)
      body.crc = wasm.md5crc(dataAt, chunk.length >>> 6, body.crc)
      body.md5.set(words.subarray(stateAt / 4, stateAt / 4 + 4))
    }
    body.bytes += m.bytes.length
  }
  if (m.bytes && !m.end) parentPort.postMessage({ id: m.id, hashed: m.bytes.length })
  if (m.end) {
    bodies.delete(m.id)
    parentPort.postMessage({ id: m.id, state: body })
  }
})
`

interface Pending {
  readonly resolve: (state: BlocksHashed) => void
  readonly reject: (err: Error) => void
}

/** A worker thread hashing bodies; `ref`d only while someone waits on it. */
class DigestWorker {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  /** Bytes sent but not yet hashed, per body, and who waits for them to drain. */
  readonly #backlog = new Map<number, { bytes: number; drained?: () => void }>()
  #failed: Error | undefined

  constructor(parts: OnePassParts) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: parts })
    this.#worker.unref()
    this.#worker.on('message', (m: { id: number; hashed?: number; state: BlocksHashed }) => {
      if (m.hashed !== undefined) return this.#hashed(m.id, m.hashed)
      const pending = this.#pending.get(m.id)
      if (!pending) return
      this.#settled(m.id)
      pending.resolve(m.state)
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

  /**
   * Hands `bytes` (whole blocks, the only view of a buffer of its own, which moves to the worker)
   * to body `id`; with `end`, answers where the body stands after them.
   */
  send(id: number, bytes: Buffer | undefined, end: boolean): Promise<BlocksHashed> | undefined {
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
    const answer = new Promise<BlocksHashed>((resolve, reject) => {
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

/** OpenSSL's MD5 and crc64.ts on the calling thread: where WebAssembly is not available. */
function plainDigest(): BodyDigest {
  const md5 = createHash('md5')
  let crc = 0n
  return {
    update: (chunk) => {
      md5.update(chunk)
      crc = crc64(chunk, crc)
    },
    backlog: () => undefined,
    finish: async () => ({ md5: md5.digest(), crc64: crc }),
    abort: () => undefined,
  }
}

/**
 * MD5 and CRC-64 of request bodies, each byte read once by one WebAssembly loop that does both
 * (one-pass-digest.ts, 1.59 ms of CPU per MiB where OpenSSL's MD5 alone takes 1.72), on worker
 * threads or on the calling thread.
 *
 * On worker threads, the thread that reads sockets and writes files is not the one hashing every
 * byte: with cores to spare, uploads are not bound by one thread. Small bodies are hashed inline.
 *
 * On the calling thread (size 0), each chunk is hashed as it arrives. That is the default on one
 * or two cores, where a worker adds no throughput (both cores are busy anyway) but costs a copy,
 * a message and a thread wake-up per body: in alternating runs on the 2-core development machine
 * (1 MiB uploads through ali-oss, 8 at once) the rate was the same within noise either way,
 * 195-216 MB/s with a worker and 185-231 MB/s inline, for less CPU inline. Without WebAssembly,
 * everything is hashed inline with OpenSSL's MD5 and crc64.ts.
 */
export class DigestPool {
  readonly #size: number
  readonly #workers: DigestWorker[] = []
  #parts: OnePassParts | undefined | null = null
  #onePass: OnePassDigests | undefined | null = null
  #nextId = 1

  /** `size` worker threads at most (0: everything on the calling thread). */
  constructor(size = availableParallelism() > 2 ? Math.min(4, availableParallelism() - 1) : 0) {
    this.#size = size
  }

  /** The compiled module, made once for this thread and every worker. */
  #onePassParts(): OnePassParts | undefined {
    if (this.#parts === null) this.#parts = onePassParts()
    return this.#parts
  }

  /** This thread's instance of the module: it hashes inline and finishes what workers hashed. */
  #onePassDigests(): OnePassDigests | undefined {
    if (this.#onePass === null) {
      const parts = this.#onePassParts()
      this.#onePass = parts ? OnePassDigests.create(parts) : undefined
    }
    return this.#onePass
  }

  /** A digest on the calling thread. */
  #inline(): BodyDigest {
    return this.#onePassDigests()?.start() ?? plainDigest()
  }

  /** The least busy worker, started on first use; undefined when none can run. */
  #worker(): DigestWorker | undefined {
    if (this.#size === 0) return undefined
    for (let i = this.#workers.length - 1; i >= 0; i--) if (this.#workers[i]?.failed) this.#workers.splice(i, 1)
    const idle = this.#workers.find((w) => w.load === 0)
    if (idle || this.#workers.length >= this.#size) return idle ?? this.#workers.reduce((a, b) => (b.load < a.load ? b : a))
    const parts = this.#onePassParts()
    if (parts === undefined || this.#onePassDigests() === undefined) return undefined
    try {
      const worker = new DigestWorker(parts)
      this.#workers.push(worker)
      return worker
    } catch {
      return this.#workers[0]
    }
  }

  /** A digest for one body. */
  start(): BodyDigest {
    if (this.#size === 0) return this.#inline()
    // Undecided while the body is small (its chunks held); then on a worker, or, when no worker
    // can run, inline.
    let held: Buffer[] = []
    let heldBytes = 0
    let worker: DigestWorker | undefined
    let inline: BodyDigest | undefined
    const id = this.#nextId++
    const toInline = () => {
      inline = this.#inline()
      for (const chunk of held) inline.update(chunk)
      held = []
      heldBytes = 0
      return inline
    }
    // The whole blocks held go to the worker; the bytes of an unfinished block stay here (copied
    // out: the gathered buffer moves to the worker) for the next send, or for this thread to finish.
    const send = (end: boolean) => {
      const whole = heldBytes - (heldBytes & 63)
      const all = heldBytes > 0 ? gather(held, heldBytes) : undefined
      held = all && whole < heldBytes ? [Buffer.from(all.subarray(whole))] : []
      heldBytes -= whole
      return (worker as DigestWorker).send(id, all && whole > 0 ? all.subarray(0, whole) : undefined, end)
    }
    return {
      update: (chunk) => {
        if (inline) return inline.update(chunk)
        held.push(chunk)
        heldBytes += chunk.length
        if (worker === undefined && heldBytes > INLINE_BYTES) {
          worker = this.#worker()
          if (worker === undefined) return void toInline()
        }
        if (worker !== undefined && heldBytes >= SEND_BYTES) send(false)
      },
      backlog: () => worker?.drained(id, BACKLOG_BYTES),
      finish: async () => {
        if (inline) return inline.finish()
        if (worker === undefined) return toInline().finish()
        const rest = (this.#onePassDigests() as OnePassDigests).start(await (send(true) as Promise<BlocksHashed>))
        for (const chunk of held) rest.update(chunk)
        return rest.finish()
      },
      abort: () => {
        held = []
        inline?.abort()
        worker?.abort(id)
      },
    }
  }
}
