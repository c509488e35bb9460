import { Transform, type TransformCallback } from 'node:stream'
import { OssFailure } from './failure.js'

const MAX_LINE = 4096

/**
 * Decodes an `aws-chunked` body with unsigned chunks (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`):
 * `<hex size>\r\n<bytes>\r\n` ... `0\r\n`, then trailer lines `name:value\r\n` and a blank line.
 * Emits only the payload bytes; the trailers are read through `trailers` once the stream ends.
 * A malformed body fails the stream with `InvalidArgument` (nothing gets stored).
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>()
  #state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size'
  #line = ''
  #remaining = 0
  #crlf = 0

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.#consume(chunk)
      done()
    } catch (err) {
      done(err as Error)
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.#state === 'done' ? null : malformed('the body ended before its last chunk'))
  }

  #consume(chunk: Buffer): void {
    let i = 0
    while (i < chunk.length) {
      if (this.#state === 'data') {
        const take = Math.min(this.#remaining, chunk.length - i)
        this.push(chunk.subarray(i, i + take))
        i += take
        this.#remaining -= take
        if (this.#remaining === 0) {
          this.#state = 'data-end'
          this.#crlf = 0
        }
        continue
      }
      if (this.#state === 'data-end') {
        const expected = this.#crlf === 0 ? 0x0d : 0x0a
        if (chunk[i] !== expected) throw malformed('a chunk does not end with CRLF')
        i++
        if (++this.#crlf === 2) this.#state = 'size'
        continue
      }
      if (this.#state === 'done') throw malformed('bytes after the final CRLF')
      // 'size' and 'trailer' read lines.
      const nl = chunk.indexOf(0x0a, i)
      const end = nl < 0 ? chunk.length : nl
      this.#line += chunk.toString('latin1', i, end)
      if (this.#line.length > MAX_LINE) throw malformed('a line is too long')
      i = end
      if (nl < 0) continue
      i++
      if (!this.#line.endsWith('\r')) throw malformed('a line does not end with CRLF')
      const line = this.#line.slice(0, -1)
      this.#line = ''
      this.#onLine(line)
    }
  }

  #onLine(line: string): void {
    if (this.#state === 'size') {
      const size = /^([0-9a-fA-F]{1,12})(;.*)?$/.exec(line)
      if (!size) throw malformed('a chunk size is not hexadecimal')
      if (size[2]) throw new OssFailure('NotImplemented', 'Signed aws-chunked bodies are not supported; use STREAMING-UNSIGNED-PAYLOAD-TRAILER.')
      this.#remaining = parseInt(size[1] as string, 16)
      this.#state = this.#remaining === 0 ? 'trailer' : 'data'
      return
    }
    if (line === '') {
      this.#state = 'done'
      return
    }
    const colon = line.indexOf(':')
    if (colon <= 0 || this.trailers.size >= 16) throw malformed('a trailer is not "name:value"')
    this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
}

function malformed(why: string): OssFailure {
  return new OssFailure('InvalidArgument', `The aws-chunked body is malformed: ${why}.`)
}
