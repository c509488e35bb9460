import { createHash, type Hash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { crc32 } from 'node:zlib'
import type { SigV4Payload } from '../../oss/verify-sigv4.js'
import { AwsChunkedDecoder } from './aws-chunked.js'
import { OssFailure } from './failure.js'

/** The `x-amz-checksum-*` algorithms the sandbox checks; others (crc32c, crc64nvme) pass unchecked. */
type Checked = 'crc32' | 'sha1' | 'sha256'

interface Digest {
  update(chunk: Buffer): void
  base64(): string
}

function digestFor(algorithm: Checked): Digest {
  if (algorithm === 'crc32') {
    let value = 0
    return {
      update: (chunk) => (value = crc32(chunk, value)),
      base64: () => {
        const out = Buffer.alloc(4)
        out.writeUInt32BE(value >>> 0)
        return out.toString('base64')
      },
    }
  }
  const hash: Hash = createHash(algorithm)
  return { update: (chunk) => hash.update(chunk), base64: () => hash.digest('base64') }
}

/**
 * Checks a body as it streams through: its SHA-256 against a signed `x-amz-content-sha256`, and
 * an `x-amz-checksum-*` value (header, or trailer read at the end). A mismatch fails the stream,
 * so nothing is stored: `XAmzContentSHA256Mismatch` or `BadDigest`, as S3 answers.
 */
class PayloadCheck extends Transform {
  readonly #sha256: Hash | undefined
  readonly #expectedSha256: string | undefined
  readonly #checksum: { algorithm: Checked; digest: Digest; expected: () => string | undefined } | undefined

  constructor(expectedSha256: string | undefined, checksum: { algorithm: Checked; expected: () => string | undefined } | undefined) {
    super()
    this.#expectedSha256 = expectedSha256
    this.#sha256 = expectedSha256 ? createHash('sha256') : undefined
    this.#checksum = checksum ? { ...checksum, digest: digestFor(checksum.algorithm) } : undefined
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#sha256?.update(chunk)
    this.#checksum?.digest.update(chunk)
    done(null, chunk)
  }

  override _flush(done: TransformCallback): void {
    if (this.#sha256 && this.#sha256.digest('hex') !== this.#expectedSha256) {
      done(new OssFailure('XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.'))
      return
    }
    if (this.#checksum) {
      const expected = this.#checksum.expected()
      if (expected !== undefined && expected !== this.#checksum.digest.base64()) {
        done(new OssFailure('BadDigest', `The ${this.#checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`))
        return
      }
    }
    done()
  }
}

const CHECKED: readonly string[] = ['crc32', 'sha1', 'sha256']

/**
 * The body of a request as the operation should store it: as received for OSS signatures and
 * unsigned S3 payloads; for S3 clients decoded from aws-chunked and checked against the signed
 * SHA-256 and the `x-amz-checksum-*` they sent.
 */
export function requestBody(req: IncomingMessage, headers: Readonly<Record<string, string>>, payload: SigV4Payload | undefined): Readable {
  if (!payload) return req
  let body: Readable = req
  let trailers: ReadonlyMap<string, string> = new Map()
  if (payload.kind === 'chunked-trailer') {
    const decoder = new AwsChunkedDecoder()
    trailers = decoder.trailers
    req.on('error', (err) => decoder.destroy(err))
    body = req.pipe(decoder)
  }
  const header = Object.keys(headers).find((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-algorithm' && h !== 'x-amz-checksum-type')
  const trailer = payload.kind === 'chunked-trailer' ? payload.trailer : undefined
  const name = trailer?.startsWith('x-amz-checksum-') ? trailer : header
  const algorithm = name?.slice('x-amz-checksum-'.length)
  const checksum = name && algorithm && CHECKED.includes(algorithm)
    ? { algorithm: algorithm as Checked, expected: () => (name === trailer ? trailers.get(name) : headers[name]) }
    : undefined
  const expectedSha256 = payload.kind === 'sha256' ? payload.sha256 : undefined
  if (!expectedSha256 && !checksum) return body
  const check = new PayloadCheck(expectedSha256, checksum)
  body.on('error', (err) => check.destroy(err))
  return body.pipe(check)
}
