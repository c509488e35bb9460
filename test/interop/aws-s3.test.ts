import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { crc32 } from 'node:zlib'
import { Readable } from 'node:stream'
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalRequestSigV4, signatureSigV4 } from '../../src/oss/verify-sigv4.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { vend, type Vended } from './vend.js'

let t: TestApp
let alice: Vended

beforeAll(async () => {
  t = await buildTestApp()
  alice = await vend(t, DEMO.alice)
})
afterAll(() => t.close())

/** As OSS's "use AWS SDKs to access OSS" page shows: the endpoint, the region, the credentials. */
function s3For(v: Vended, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: v.endpoint,
    region: v.region,
    credentials: { accessKeyId: v.accessKeyId, secretAccessKey: v.accessKeySecret, sessionToken: v.securityToken },
    ...extra,
  })
}

/** `Code status` of an S3 error, or `ok`. */
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { name: string; $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode}`)

describe('@aws-sdk/client-s3 against the sandbox OSS (virtual-hosted, as configured by default)', () => {
  it('puts, heads, gets, lists (V2) and deletes an object', async () => {
    const s3 = s3For(alice)
    const put = await s3.send(new PutObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/hello.txt', Body: 'hello from S3', ContentType: 'text/plain' }))
    expect(put.ETag).toMatch(/^"[0-9A-F]{32}"$/)
    const head = await s3.send(new HeadObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/hello.txt' }))
    expect(head.ContentLength).toBe(13)
    expect(head.ContentType).toBe('text/plain')
    const got = await s3.send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/hello.txt' }))
    expect(await got.Body?.transformToString()).toBe('hello from S3')
    const list = await s3.send(new ListObjectsV2Command({ Bucket: alice.bucket, Prefix: 'alice/s3/' }))
    expect(list.Contents?.map((c) => c.Key)).toEqual(['alice/s3/hello.txt'])
    expect(list.KeyCount).toBe(1)
    await s3.send(new DeleteObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/hello.txt' }))
    expect(await outcome(s3.send(new HeadObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/hello.txt' })))).toBe('NotFound 404')
  })

  it('puts a stream body (aws-chunked with a trailing checksum) and stores exactly its bytes', async () => {
    const s3 = s3For(alice)
    const data = Buffer.alloc(300_000, 7)
    const sent: Record<string, string | undefined>[] = []
    const spy = (req: IncomingMessage) => sent.push({ payload: req.headers['x-amz-content-sha256'] as string, trailer: req.headers['x-amz-trailer'] as string })
    t.oss.server.on('request', spy)
    await s3.send(new PutObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/stream.bin', Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), ContentLength: data.length }))
    t.oss.server.off('request', spy)
    // What the SDK sends by default for a stream: unsigned aws-chunked with a CRC32 trailer.
    expect(sent).toEqual([{ payload: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', trailer: 'x-amz-checksum-crc32' }])
    const got = await s3.send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/stream.bin' }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true)
  })

  it('uploads in parts', async () => {
    const s3 = s3For(alice)
    const key = 'alice/s3/parts.bin'
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: alice.bucket, Key: key }))
    const first = Buffer.alloc(200 * 1024, 1)
    const last = Buffer.from('tail')
    const p1 = await s3.send(new UploadPartCommand({ Bucket: alice.bucket, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: first }))
    const p2 = await s3.send(new UploadPartCommand({ Bucket: alice.bucket, Key: key, UploadId: created.UploadId, PartNumber: 2, Body: last }))
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: alice.bucket, Key: key, UploadId: created.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
    }))
    expect(done.ETag).toMatch(/-2"$/)
    const got = await s3.send(new GetObjectCommand({ Bucket: alice.bucket, Key: key }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([first, last]))).toBe(true)
  })

  it('refuses parts listed out of order (InvalidPartOrder) and an unknown upload (NoSuchUpload)', async () => {
    const s3 = s3For(alice)
    const key = 'alice/s3/order.bin'
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: alice.bucket, Key: key }))
    const body = Buffer.alloc(100 * 1024, 3)
    const p1 = await s3.send(new UploadPartCommand({ Bucket: alice.bucket, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: body }))
    const p2 = await s3.send(new UploadPartCommand({ Bucket: alice.bucket, Key: key, UploadId: created.UploadId, PartNumber: 2, Body: body }))
    const complete = (uploadId: string | undefined, parts: { PartNumber: number; ETag: string | undefined }[]) =>
      outcome(s3.send(new CompleteMultipartUploadCommand({ Bucket: alice.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } })))
    expect(await complete(created.UploadId, [{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.ETag }])).toBe('InvalidPartOrder 400')
    expect(await complete('NOSUCHUPLOAD', [{ PartNumber: 1, ETag: p1.ETag }])).toBe('NoSuchUpload 404')
  })

  it('works path-style too (forcePathStyle)', async () => {
    const s3 = s3For(alice, { forcePathStyle: true })
    await s3.send(new PutObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/path.txt', Body: 'path style' }))
    const got = await s3.send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/path.txt' }))
    expect(await got.Body?.transformToString()).toBe('path style')
  })
})

describe('@aws-sdk/s3-request-presigner URLs', () => {
  it('a presigned PUT and GET work with plain fetch, and refuse another key', async () => {
    const s3 = s3For(alice)
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/presigned.txt' }), { expiresIn: 300 })
    expect((await fetch(putUrl, { method: 'PUT', body: 'via a presigned URL' })).status).toBe(200)
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/presigned.txt' }), { expiresIn: 300 })
    const got = await fetch(getUrl)
    expect(got.status).toBe(200)
    expect(await got.text()).toBe('via a presigned URL')
    const moved = await fetch(getUrl.replace('presigned.txt', 'other.txt'))
    expect(moved.status).toBe(403)
    expect(await moved.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/)
  })

  it('refuses an expired presigned URL with AccessDenied "Request has expired"', async () => {
    const url = await getSignedUrl(s3For(alice), new GetObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/presigned.txt' }), { expiresIn: 1 })
    await new Promise((r) => setTimeout(r, 2100))
    const res = await fetch(url)
    expect(res.status).toBe(403)
    expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/)
  })
})

describe('S3 clients are refused as OSS refuses them', () => {
  const put = (s3: S3Client, key = 'alice/s3/denied.txt') => outcome(s3.send(new PutObjectCommand({ Bucket: alice.bucket, Key: key, Body: 'x' })))

  it('wrong secret, unknown key id, missing or wrong token', async () => {
    expect(await put(s3For({ ...alice, accessKeySecret: `${alice.accessKeySecret}x` }))).toBe('SignatureDoesNotMatch 403')
    expect(await put(s3For({ ...alice, accessKeyId: 'STS.unknown' }))).toBe('InvalidAccessKeyId 403')
    const noToken = new S3Client({ endpoint: alice.endpoint, region: alice.region, credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.accessKeySecret } })
    expect(await put(noToken)).toBe('InvalidSecurityToken 403')
    expect(await put(s3For({ ...alice, securityToken: `${alice.securityToken}x` }))).toBe('InvalidSecurityToken 403')
  })

  it('another user\'s prefix, and listing outside one\'s own', async () => {
    const s3 = s3For(alice)
    expect(await put(s3, 'bob/s3/planted.txt')).toBe('AccessDenied 403')
    expect(await outcome(s3.send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'bob/secret.txt' })))).toBe('AccessDenied 403')
    expect(await outcome(s3.send(new ListObjectsV2Command({ Bucket: alice.bucket, Prefix: 'bob/' })))).toBe('AccessDenied 403')
  })

  it('a request signed too long ago (a replay) gets RequestTimeTooSkewed', async () => {
    const stale = s3For(alice, { systemClockOffset: -16 * 60_000, maxAttempts: 1 })
    expect(await put(stale)).toBe('RequestTimeTooSkewed 403')
  })

  it('expired STS credentials get SecurityTokenExpired, and nothing is stored', async () => {
    const bob = await vend(t, DEMO.bob)
    t.advance(3 * 3600_000)
    try {
      const s3 = s3For(bob, { systemClockOffset: 3 * 3600_000, maxAttempts: 1 })
      expect(await put(s3, 'bob/s3/late.txt')).toBe('SecurityTokenExpired 403')
    } finally {
      t.advance(-3 * 3600_000)
    }
    expect(t.oss.server.listening).toBe(true)
  })
})

describe('S3 bodies are checked against what was signed and the checksums sent', () => {
  /** A PutObject signed by hand (AWS SigV4), its body possibly not what was signed. */
  async function rawPut(key: string, signedHash: string, body: Buffer, extra: Record<string, string> = {}) {
    const host = new URL(alice.endpoint.replace('//', `//${alice.bucket}.`)).host
    const datetime = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
    const headers: Record<string, string> = { host, 'x-amz-date': datetime, 'x-amz-content-sha256': signedHash, 'x-amz-security-token': alice.securityToken, ...extra }
    const signed = Object.keys(headers).sort()
    const rawPath = `/${key}`
    const canonical = canonicalRequestSigV4({ method: 'PUT', rawPath, query: {}, headers }, signed, signedHash) as string
    const scope = { day: datetime.slice(0, 8), region: alice.region }
    const signature = signatureSigV4(alice.accessKeySecret, scope, datetime, canonical)
    const authorization = `AWS4-HMAC-SHA256 Credential=${alice.accessKeyId}/${scope.day}/${scope.region}/s3/aws4_request, SignedHeaders=${signed.join(';')}, Signature=${signature}`
    const res = await fetch(`http://${host}${rawPath}`, { method: 'PUT', headers: { ...headers, authorization }, body })
    return { status: res.status, text: await res.text() }
  }
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
  const stored = (key: string) => outcome(s3For(alice).send(new HeadObjectCommand({ Bucket: alice.bucket, Key: key })))

  it('a body other than the signed SHA-256 is XAmzContentSHA256Mismatch, and nothing is stored', async () => {
    expect((await rawPut('alice/s3/hash-ok.txt', sha256(Buffer.from('good')), Buffer.from('good'))).status).toBe(200)
    const bad = await rawPut('alice/s3/hash-bad.txt', sha256(Buffer.from('good')), Buffer.from('evil'))
    expect(bad.status).toBe(400)
    expect(bad.text).toMatch(/<Code>XAmzContentSHA256Mismatch<\/Code>/)
    expect(await stored('alice/s3/hash-bad.txt')).toBe('NotFound 404')
  })

  it('an aws-chunked body whose trailing CRC32 does not match is BadDigest; a malformed one InvalidArgument', async () => {
    const data = Buffer.from('chunked body')
    const chunked = (trailer: string) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${trailer}\r\n\r\n`)])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(data))
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': 'x-amz-checksum-crc32' }
    expect((await rawPut('alice/s3/chunked-ok.txt', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', chunked(crc.toString('base64')), headers)).status).toBe(200)
    expect(await (await s3For(alice).send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'alice/s3/chunked-ok.txt' }))).Body?.transformToString()).toBe('chunked body')
    const bad = await rawPut('alice/s3/chunked-bad.txt', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', chunked('AAAAAA=='), headers)
    expect(bad.status).toBe(400)
    expect(bad.text).toMatch(/<Code>BadDigest<\/Code>/)
    const malformed = await rawPut('alice/s3/chunked-malformed.txt', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', Buffer.from('zz\r\nnot chunked'), headers)
    expect(malformed.status).toBe(400)
    expect(malformed.text).toMatch(/<Code>InvalidArgument<\/Code>/)
    expect(await stored('alice/s3/chunked-bad.txt')).toBe('NotFound 404')
    expect(await stored('alice/s3/chunked-malformed.txt')).toBe('NotFound 404')
  })
})
