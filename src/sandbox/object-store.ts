import { createHash, randomBytes } from 'node:crypto'
import { closeSync, createReadStream, createWriteStream, openSync, renameSync, writev } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { crc64Combine } from '../oss/crc64.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'
import { sequentialIds } from '../lib/sequential-ids.js'
import { DigestPool, type Digests } from './body-digest.js'
import { ObjectLog } from './object-log.js'

export type ObjectAcl = 'default' | 'private' | 'public-read' | 'public-read-write'

export interface ObjectMeta {
  readonly key: string
  readonly size: number
  /** Quoted, upper-case MD5 hex, as OSS sends it (or `"...-N"` for multipart objects). */
  readonly etag: string
  /** CRC-64/ECMA-182 as a decimal string (`x-oss-hash-crc64ecma`). */
  readonly crc64: string
  readonly contentType: string
  readonly lastModified: string
  readonly acl: ObjectAcl
  readonly serverSideEncryption?: string
  readonly serverSideEncryptionKeyId?: string
  readonly userMeta: Readonly<Record<string, string>>
  /** Made by AppendObject (x-oss-object-type Appendable): only appends may change it. */
  readonly appendable?: boolean
  /** The data file's name inside the bucket's folder; never derived from the key's text. */
  readonly dataFile: string
}

export interface StagedBody {
  readonly path: string
  readonly size: number
  readonly md5: Buffer
  readonly crc64: bigint
}

export interface PartMeta {
  readonly partNumber: number
  readonly size: number
  readonly etag: string
  readonly md5: string
  readonly crc64: string
}

export interface MultipartUpload {
  readonly id: string
  readonly bucket: string
  readonly key: string
  readonly initiated: string
  readonly options: Omit<PutOptions, 'now'> & { now?: undefined }
}

export class StoreError extends Error {
  readonly ossCode:
    | 'InvalidDigest'
    | 'FileAlreadyExists'
    | 'EntityTooLarge'
    | 'EntityTooSmall'
    | 'NoSuchUpload'
    | 'InvalidPart'
    | 'InvalidPartOrder'
    | 'ObjectNotAppendable'
    | 'PositionNotEqualToLength'
  /** Headers the refusal carries (`x-oss-next-append-position` for appends). */
  readonly headers: Readonly<Record<string, string>>
  constructor(code: StoreError['ossCode'], message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message)
    this.ossCode = code
    this.headers = headers
  }
}

/** OSS's smallest part, except the last: 100 KB. */
export const MIN_PART_BYTES = 100 * 1024

export interface PutOptions {
  readonly contentType: string
  readonly contentMd5?: string
  readonly acl?: ObjectAcl
  readonly serverSideEncryption?: string
  readonly serverSideEncryptionKeyId?: string
  readonly userMeta?: Readonly<Record<string, string>>
  readonly forbidOverwrite?: boolean
  readonly maxBytes?: number
  /** For multipart objects: the final ETag and CRC come from the parts. */
  readonly etag?: string
  readonly crc64?: string
  readonly now: Date
}

const WRITE_BATCH_BYTES = 1024 * 1024
const READ_CHUNK_BYTES = 1024 * 1024

/** Writes every byte of `chunks` (`total` bytes) at the file's position, however the system splits it. */
async function writeAll(fd: number, chunks: Buffer[], total: number): Promise<void> {
  let rest = chunks
  let left = total
  while (left > 0) {
    const written = await new Promise<number>((resolve, reject) => writev(fd, rest, (err, n) => (err ? reject(err) : resolve(n))))
    left -= written
    if (left === 0) return
    let skip = written
    while (skip > 0 && skip >= (rest[0] as Buffer).length) skip -= (rest.shift() as Buffer).length
    if (skip > 0) rest = [(rest[0] as Buffer).subarray(skip), ...rest.slice(1)]
  }
}

/** Removes a file; one that is already gone is fine. */
async function removeIfThere(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/** One pool of hashing threads for every store in the process. */
const sharedDigestPool = new DigestPool()

/**
 * The sandbox's objects on disk. A key never becomes a path: data files are named by the store,
 * so `../x` or `/etc/passwd` cannot leave the data folder. A body is written to a data file that
 * nothing names yet; the object exists once its metadata line is appended to the bucket's log
 * (object-log.ts), and only then is the replaced data file removed: no reader ever sees a partial
 * object, even if the process is killed mid-upload. Leftovers of interrupted writes are removed
 * at start-up.
 */
export class ObjectStore {
  readonly #root: string
  readonly #buckets = new Map<string, ObjectLog>()
  readonly #uploads = new Map<string, MultipartUpload>()
  readonly #appending = new Map<string, Promise<unknown>>()
  readonly #digests: DigestPool
  /** Names for the files this store makes (new files are opened with 'wx' all the same). */
  readonly #uniqueName = sequentialIds(`${randomBytes(8).toString('hex')}-`, 12)

  constructor(root: string, digests: DigestPool = sharedDigestPool) {
    this.#root = root
    this.#digests = digests
  }

  /** Creates the buckets' folders, loads their objects, and clears interrupted writes. */
  async init(buckets: readonly string[]): Promise<void> {
    await rm(join(this.#root, 'tmp'), { recursive: true, force: true })
    await mkdir(join(this.#root, 'tmp'), { recursive: true })
    for (const bucket of buckets) {
      const dir = this.#bucketDir(bucket)
      await mkdir(dir, { recursive: true })
      const files = await readdir(dir)
      const log = await ObjectLog.load(dir, files)
      const referenced = new Set([...log.objects.values()].map((m) => m.dataFile))
      for (const file of files.filter((f) => f.endsWith('.data') && !referenced.has(f))) await rm(join(dir, file), { force: true })
      this.#buckets.set(bucket, log)
    }
    const uploadsDir = join(this.#root, 'uploads')
    await mkdir(uploadsDir, { recursive: true })
    for (const id of await readdir(uploadsDir)) {
      try {
        this.#uploads.set(id, parseJsonOrThrow(await readFile(join(uploadsDir, id, 'upload.json'), 'utf8')) as MultipartUpload)
      } catch {
        await rm(join(uploadsDir, id), { recursive: true, force: true })
      }
    }
  }

  buckets(): string[] {
    return [...this.#buckets.keys()].sort()
  }

  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket)
  }

  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.#buckets.get(bucket)?.objects.get(key)
  }

  /** Streams the body to disk, computing MD5 and CRC-64 on the way, and publishes it atomically. */
  async put(bucket: string, key: string, body: Readable, options: PutOptions): Promise<ObjectMeta> {
    if (options.forbidOverwrite && this.#log(bucket).objects.has(key)) throw new StoreError('FileAlreadyExists', 'The object you specified already exists and can not be overwritten.')
    const staged = await this.stage(body, options.maxBytes, bucket)
    try {
      if (options.contentMd5 !== undefined && options.contentMd5 !== staged.md5.toString('base64')) {
        throw new StoreError('InvalidDigest', 'The Content-MD5 you specified did not match what we received.')
      }
      return await this.publish(bucket, key, staged, options)
    } catch (err) {
      await this.discard(staged)
      throw err
    }
  }

  /**
   * Writes a body to a temporary file (not visible as an object), measuring it on the way: each
   * chunk goes once through MD5 and CRC-64 as it arrives (on this thread or on a worker thread,
   * see body-digest.ts), and the chunks reach the file as they are, gathered into one
   * vectored write per WRITE_BATCH_BYTES (one thread-pool round trip for a 1 MiB object instead
   * of one per socket read). A body staged for `bucket` is written straight into that bucket's
   * folder as a data file no metadata names yet (so publishing it needs no rename, and start-up
   * removes it if the process dies first); otherwise into tmp/.
   */
  async stage(body: Readable, maxBytes = Infinity, bucket?: string): Promise<StagedBody> {
    const path = bucket === undefined ? join(this.#root, 'tmp', this.#uniqueName()) : join(this.#bucketDir(bucket), `${this.#uniqueName()}.data`)
    const digest = this.#digests.start()
    let size = 0
    let digests: Digests
    // Opening, closing and renaming are done synchronously here and in #publish: each takes
    // microseconds, while a thread-pool round trip for each (eight per object) cost more in
    // latency than writing the object; the data itself is written off the event loop.
    const fd = openSync(path, 'wx')
    try {
      let batch: Buffer[] = []
      let batchBytes = 0
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        size += bytes.length
        if (size > maxBytes) throw new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.')
        digest.update(bytes)
        const behind = digest.backlog()
        if (behind) await behind
        batch.push(bytes)
        batchBytes += bytes.length
        if (batchBytes >= WRITE_BATCH_BYTES) {
          await writeAll(fd, batch, batchBytes)
          batch = []
          batchBytes = 0
        }
      }
      if (batchBytes > 0) await writeAll(fd, batch, batchBytes)
      digests = await digest.finish()
    } catch (err) {
      digest.abort()
      closeSync(fd)
      await rm(path, { force: true })
      throw err
    }
    closeSync(fd)
    return { path, size, md5: digests.md5, crc64: digests.crc64 }
  }

  async discard(staged: StagedBody): Promise<void> {
    await rm(staged.path, { force: true })
  }

  /** Makes a staged body the object at `key`, atomically. */
  async publish(bucket: string, key: string, staged: StagedBody, options: PutOptions): Promise<ObjectMeta> {
    if (options.forbidOverwrite && this.#log(bucket).objects.has(key)) throw new StoreError('FileAlreadyExists', 'The object you specified already exists and can not be overwritten.')
    return this.#publish(bucket, key, staged.path, {
      size: staged.size,
      etag: options.etag ?? `"${staged.md5.toString('hex').toUpperCase()}"`,
      crc64: options.crc64 ?? staged.crc64.toString(10),
      options,
    })
  }

  /** A copy of an object's data under another key (CopyObject). */
  async copy(sourceBucket: string, source: ObjectMeta, bucket: string, key: string, options: PutOptions): Promise<ObjectMeta> {
    const staged = await this.stage(this.read(sourceBucket, source), Infinity, bucket)
    try {
      return await this.publish(bucket, key, staged, { ...options, etag: source.etag, crc64: source.crc64 })
    } catch (err) {
      await this.discard(staged)
      throw err
    }
  }

  // --- multipart uploads: parts live under uploads/<id>/ until Complete publishes the whole.

  async initiateMultipart(bucket: string, key: string, options: Omit<PutOptions, 'now'> & { now: Date }): Promise<string> {
    this.#log(bucket)
    const id = randomBytes(16).toString('hex').toUpperCase()
    const dir = join(this.#root, 'uploads', id)
    await mkdir(dir, { recursive: true })
    const upload: MultipartUpload = { id, bucket, key, initiated: options.now.toISOString(), options: { ...options, now: undefined } }
    await writeFile(join(dir, 'upload.json'), JSON.stringify(upload))
    this.#uploads.set(id, upload)
    return id
  }

  upload(id: string): MultipartUpload | undefined {
    return this.#uploads.get(id)
  }

  listUploads(bucket: string, prefix = ''): MultipartUpload[] {
    return [...this.#uploads.values()].filter((u) => u.bucket === bucket && u.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1))
  }

  async uploadPart(id: string, partNumber: number, body: Readable, contentMd5?: string): Promise<PartMeta> {
    const upload = this.#uploads.get(id)
    if (!upload) throw new StoreError('NoSuchUpload', 'The specified multipart upload does not exist.')
    const staged = await this.stage(body)
    if (contentMd5 !== undefined && contentMd5 !== staged.md5.toString('base64')) {
      await this.discard(staged)
      throw new StoreError('InvalidDigest', 'The Content-MD5 you specified did not match what we received.')
    }
    const dir = join(this.#root, 'uploads', id)
    const part: PartMeta = { partNumber, size: staged.size, etag: `"${staged.md5.toString('hex').toUpperCase()}"`, md5: staged.md5.toString('hex'), crc64: staged.crc64.toString(10) }
    await rename(staged.path, join(dir, `${partNumber}.part`))
    await writeFile(join(dir, `${partNumber}.json`), JSON.stringify(part))
    return part
  }

  async listParts(id: string): Promise<PartMeta[]> {
    const dir = join(this.#root, 'uploads', id)
    const files = (await readdir(dir)).filter((f) => /^\d+\.json$/.test(f))
    const parts = await Promise.all(files.map(async (f) => parseJsonOrThrow(await readFile(join(dir, f), 'utf8')) as PartMeta))
    return parts.sort((a, b) => a.partNumber - b.partNumber)
  }

  async abortMultipart(id: string): Promise<void> {
    if (!this.#uploads.delete(id)) throw new StoreError('NoSuchUpload', 'The specified multipart upload does not exist.')
    await rm(join(this.#root, 'uploads', id), { recursive: true, force: true })
  }

  /**
   * Joins the listed parts (ascending, each ETag matching) into the object. Its ETag is the MD5 of
   * the parts' MD5s with "-N"; its CRC-64 is combined from the parts' CRCs, as OSS does.
   */
  async completeMultipart(id: string, listed: readonly { partNumber: number; etag: string }[], now: Date): Promise<ObjectMeta> {
    const upload = this.#uploads.get(id)
    if (!upload) throw new StoreError('NoSuchUpload', 'The specified multipart upload does not exist.')
    const stored = new Map((await this.listParts(id)).map((p) => [p.partNumber, p]))
    let previous = 0
    const parts: PartMeta[] = []
    for (const item of listed) {
      const part = stored.get(item.partNumber)
      if (!part || part.etag.toUpperCase() !== item.etag.toUpperCase().replace(/^(?!")/, '"').replace(/(?<!")$/, '"')) {
        throw new StoreError('InvalidPart', 'One or more of the specified parts could not be found or the ETag did not match.')
      }
      if (item.partNumber <= previous) throw new StoreError('InvalidPartOrder', 'The list of parts was not in ascending order.')
      previous = item.partNumber
      parts.push(part)
    }
    if (parts.length === 0) throw new StoreError('InvalidPart', 'No parts were listed.')
    const small = parts.slice(0, -1).find((p) => p.size < MIN_PART_BYTES)
    if (small) throw new StoreError('EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size: part ${small.partNumber} has ${small.size} bytes, and every part but the last needs ${MIN_PART_BYTES}.`)
    const dir = join(this.#root, 'uploads', id)
    const path = join(this.#root, 'tmp', this.#uniqueName())
    // One pipeline for all the parts: a pipeline per part into one shared file stream left a
    // listener behind on it each time (MaxListenersExceededWarning from the 11th part on).
    const files = parts.map((part) => join(dir, `${part.partNumber}.part`))
    try {
      await pipeline(async function* () {
        for (const file of files) yield* createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>
      }, createWriteStream(path, { flags: 'wx' }))
    } catch (err) {
      await rm(path, { force: true })
      throw err
    }
    let crc = BigInt(parts[0]!.crc64)
    for (const part of parts.slice(1)) crc = crc64Combine(crc, BigInt(part.crc64), part.size)
    const etagMd5 = createHash('md5').update(Buffer.concat(parts.map((p) => Buffer.from(p.md5, 'hex')))).digest('hex').toUpperCase()
    const size = parts.reduce((n, p) => n + p.size, 0)
    const meta = await this.publish(upload.bucket, upload.key, { path, size, md5: Buffer.alloc(0), crc64: crc }, {
      ...upload.options,
      now,
      etag: `"${etagMd5}-${parts.length}"`,
      crc64: crc.toString(10),
    })
    this.#uploads.delete(id)
    await rm(dir, { recursive: true, force: true })
    return meta
  }

  /**
   * AppendObject: adds the body at `position`, which must be the object's length (0 creates an
   * appendable object). The whole object is rewritten to a temporary file and renamed into place,
   * so readers see the old or the new object, never a partial one; its CRC-64 is the whole
   * object's. Appends to one key run one at a time.
   */
  async append(bucket: string, key: string, body: Readable, position: number, options: PutOptions): Promise<ObjectMeta> {
    const lockKey = `${bucket}\u0000${key}`
    const previous = this.#appending.get(lockKey) ?? Promise.resolve()
    const run = previous.then(() => this.#append(bucket, key, body, position, options))
    const settled = run.catch(() => undefined)
    this.#appending.set(lockKey, settled)
    try {
      return await run
    } finally {
      if (this.#appending.get(lockKey) === settled) this.#appending.delete(lockKey)
    }
  }

  async #append(bucket: string, key: string, body: Readable, position: number, options: PutOptions): Promise<ObjectMeta> {
    const existing = this.head(bucket, key)
    if (existing && !existing.appendable) {
      body.resume()
      throw new StoreError('ObjectNotAppendable', 'The object is not appendable.')
    }
    const length = existing?.size ?? 0
    if (position !== length) {
      body.resume()
      throw new StoreError('PositionNotEqualToLength', 'Position is not equal to file length.', { 'x-oss-next-append-position': String(length) })
    }
    const staged = await this.stage(body, options.maxBytes === undefined ? undefined : options.maxBytes - length)
    const path = join(this.#root, 'tmp', this.#uniqueName())
    try {
      if (options.contentMd5 !== undefined && options.contentMd5 !== staged.md5.toString('base64')) {
        throw new StoreError('InvalidDigest', 'The Content-MD5 you specified did not match what we received.')
      }
      const md5 = createHash('md5')
      const tap = () =>
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            md5.update(chunk)
            done(null, chunk)
          },
        })
      const out = createWriteStream(path, { flags: 'wx' })
      if (existing) await pipeline(this.read(bucket, existing), tap(), out, { end: false })
      await pipeline(createReadStream(staged.path), tap(), out)
      const crc = existing ? crc64Combine(BigInt(existing.crc64), staged.crc64, staged.size) : staged.crc64
      // The first append sets the object's attributes; later ones keep them.
      const attributes: PutOptions = existing
        ? { contentType: existing.contentType, acl: existing.acl, userMeta: existing.userMeta, now: options.now }
        : options
      return await this.#publish(bucket, key, path, { size: length + staged.size, etag: `"${md5.digest('hex').toUpperCase()}"`, crc64: crc.toString(10), options: attributes, appendable: true })
    } catch (err) {
      await rm(path, { force: true })
      throw err
    } finally {
      await this.discard(staged)
    }
  }

  async #publish(bucket: string, key: string, tmp: string, info: { size: number; etag: string; crc64: string; options: PutOptions; appendable?: boolean }): Promise<ObjectMeta> {
    const log = this.#log(bucket)
    const dir = this.#bucketDir(bucket)
    // A body staged for this bucket is already its data file (stage names it so).
    let dataFile = basename(tmp)
    if (dirname(tmp) !== dir) {
      dataFile = `${this.#uniqueName()}.data`
      renameSync(tmp, join(dir, dataFile))
    }
    const o = info.options
    const meta: ObjectMeta = {
      key,
      size: info.size,
      etag: info.etag,
      crc64: info.crc64,
      contentType: o.contentType,
      lastModified: o.now.toISOString(),
      acl: o.acl ?? 'default',
      ...(o.serverSideEncryption ? { serverSideEncryption: o.serverSideEncryption } : {}),
      ...(o.serverSideEncryptionKeyId ? { serverSideEncryptionKeyId: o.serverSideEncryptionKeyId } : {}),
      userMeta: o.userMeta ?? {},
      ...(info.appendable ? { appendable: true } : {}),
      dataFile,
    }
    const previous = log.objects.get(key)
    log.set(meta)
    if (previous && previous.dataFile !== dataFile) await removeIfThere(join(dir, previous.dataFile))
    return meta
  }

  read(bucket: string, meta: ObjectMeta, range?: { start: number; end: number }): Readable {
    // Reads of up to READ_CHUNK_BYTES: a 1 MiB object is one thread-pool round trip, not sixteen.
    const length = range ? range.end - range.start + 1 : meta.size
    const highWaterMark = Math.max(64 * 1024, Math.min(READ_CHUNK_BYTES, length))
    return createReadStream(join(this.#bucketDir(bucket), meta.dataFile), range ? { start: range.start, end: range.end, highWaterMark } : { highWaterMark })
  }

  async setAcl(bucket: string, key: string, acl: ObjectAcl): Promise<void> {
    const meta = this.head(bucket, key)
    if (meta) this.#log(bucket).set({ ...meta, acl })
  }

  /** Deleting a missing key succeeds, as in OSS. */
  async delete(bucket: string, key: string): Promise<void> {
    const log = this.#log(bucket)
    const meta = log.objects.get(key)
    if (!meta) return
    log.delete(key)
    await removeIfThere(join(this.#bucketDir(bucket), meta.dataFile))
  }

  /** ListObjects: keys after `marker` with `prefix`, grouped at `delimiter`, at most `maxKeys` entries. */
  list(bucket: string, options: { prefix?: string; delimiter?: string; marker?: string; maxKeys?: number }): {
    objects: ObjectMeta[]
    commonPrefixes: string[]
    isTruncated: boolean
    nextMarker?: string
  } {
    const prefix = options.prefix ?? ''
    const maxKeys = options.maxKeys ?? 1000
    const stored = this.#log(bucket).objects
    const keys = [...stored.keys()].filter((k) => k.startsWith(prefix) && (options.marker === undefined || k > options.marker)).sort()
    const objects: ObjectMeta[] = []
    const prefixes = new Set<string>()
    let last: string | undefined
    for (const key of keys) {
      if (objects.length + prefixes.size >= maxKeys) return { objects, commonPrefixes: [...prefixes], isTruncated: true, ...(last ? { nextMarker: last } : {}) }
      if (options.delimiter) {
        const at = key.indexOf(options.delimiter, prefix.length)
        if (at >= 0) {
          const common = key.slice(0, at + options.delimiter.length)
          if (!prefixes.has(common)) prefixes.add(common)
          last = key
          continue
        }
      }
      objects.push(stored.get(key) as ObjectMeta)
      last = key
    }
    return { objects, commonPrefixes: [...prefixes], isTruncated: false }
  }

  #log(bucket: string): ObjectLog {
    const log = this.#buckets.get(bucket)
    if (!log) throw new Error(`no bucket ${bucket}`)
    return log
  }

  #bucketDir(bucket: string): string {
    return join(this.#root, 'buckets', bucket)
  }
}
