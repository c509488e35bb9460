import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { crc64 } from '../../../src/oss/crc64.js'
import { ObjectStore } from '../../../src/sandbox/object-store.js'

const now = new Date('2026-11-25T10:00:00Z')
const body = (text: string) => Readable.from([Buffer.from(text)])

describe('ObjectStore', () => {
  it('names no file after a key, so no key can leave the data folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ossvend-store-'))
    const store = new ObjectStore(root)
    await store.init(['bkt'])
    for (const key of ['../x', '/etc/passwd', '../../../../tmp/owned', 'a/b/../c']) await store.put('bkt', key, body(key), { contentType: 'text/plain', now })
    const files = readdirSync(join(root, 'buckets', 'bkt'))
    // The bucket's metadata log, and data files named by a per-process random prefix and a counter.
    expect(files.filter((f) => f !== 'objects.log').every((f) => /^[0-9a-f]{16}-[0-9a-z]+\.data$/.test(f))).toBe(true)
    expect(files).toHaveLength(5)
    expect(readdirSync(root).sort()).toEqual(['buckets', 'tmp', 'uploads'])
  })

  it('shows no partial object: an interrupted write leaves nothing visible, and start-up clears it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ossvend-store-'))
    const store = new ObjectStore(root)
    await store.init(['bkt'])
    await store.put('bkt', 'k', body('version one'), { contentType: 'text/plain', now })
    // A writer killed mid-upload leaves a temporary file and, at worst, an unreferenced data file.
    writeFileSync(join(root, 'tmp', 'deadbeef'), 'half an upl')
    mkdirSync(join(root, 'buckets', 'bkt'), { recursive: true })
    writeFileSync(join(root, 'buckets', 'bkt', `${'0'.repeat(64)}.abcdefabcdef.data`), 'orphan')
    const reopened = new ObjectStore(root)
    await reopened.init(['bkt'])
    expect(reopened.head('bkt', 'k')?.size).toBe(11)
    expect(readdirSync(join(root, 'tmp'))).toEqual([])
    expect(readdirSync(join(root, 'buckets', 'bkt')).filter((f) => f.endsWith('.data'))).toHaveLength(1)
  })

  it('replaces an object atomically and refuses overwrite when asked', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ossvend-store-'))
    const store = new ObjectStore(root)
    await store.init(['bkt'])
    await store.put('bkt', 'k', body('one'), { contentType: 'text/plain', now })
    await store.put('bkt', 'k', body('two!'), { contentType: 'text/plain', now })
    expect(store.head('bkt', 'k')?.size).toBe(4)
    expect(readdirSync(join(root, 'buckets', 'bkt')).filter((f) => f.endsWith('.data'))).toHaveLength(1)
    await expect(store.put('bkt', 'k', body('three'), { contentType: 'text/plain', now, forbidOverwrite: true })).rejects.toMatchObject({ ossCode: 'FileAlreadyExists' })
    await expect(store.put('bkt', 'big', body('x'.repeat(100)), { contentType: 'text/plain', now, maxBytes: 10 })).rejects.toMatchObject({ ossCode: 'EntityTooLarge' })
    expect(store.head('bkt', 'big')).toBeUndefined()
    await expect(store.put('bkt', 'k', body('four'), { contentType: 'text/plain', now, contentMd5: createHash('md5').update('other').digest('base64') })).rejects.toMatchObject({ ossCode: 'InvalidDigest' })
    // Bodies are staged in the bucket's folder: a refused one leaves no file behind, and the object is intact.
    expect(readdirSync(join(root, 'buckets', 'bkt')).filter((f) => f !== 'objects.log')).toHaveLength(1)
    expect(store.head('bkt', 'k')?.size).toBe(4)
  })

  it('lists with prefix, delimiter, marker and max-keys', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ossvend-store-'))
    const store = new ObjectStore(root)
    await store.init(['bkt'])
    for (const key of ['a/1', 'a/2', 'a/sub/3', 'b/4']) await store.put('bkt', key, body(key), { contentType: 'text/plain', now })
    expect(store.list('bkt', { prefix: 'a/', delimiter: '/' })).toMatchObject({ commonPrefixes: ['a/sub/'], isTruncated: false })
    expect(store.list('bkt', { prefix: 'a/', delimiter: '/' }).objects.map((o) => o.key)).toEqual(['a/1', 'a/2'])
    const page = store.list('bkt', { maxKeys: 2 })
    expect(page).toMatchObject({ isTruncated: true, nextMarker: 'a/2' })
    expect(store.list('bkt', { marker: 'a/2' }).objects.map((o) => o.key)).toEqual(['a/sub/3', 'b/4'])
  })

  it('stores a body of many chunks (several write batches) byte for byte, with its MD5 and CRC-64', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ossvend-store-'))
    const store = new ObjectStore(root)
    await store.init(['bkt'])
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(40_000 + i, i))
    const whole = Buffer.concat(chunks)
    const meta = await store.put('bkt', 'big', Readable.from(chunks), { contentType: 'application/octet-stream', now })
    expect(meta.size).toBe(whole.length)
    expect(meta.etag).toBe(`"${createHash('md5').update(whole).digest('hex').toUpperCase()}"`)
    expect(meta.crc64).toBe(crc64(whole).toString(10))
    const read: Buffer[] = []
    for await (const chunk of store.read('bkt', meta)) read.push(chunk as Buffer)
    expect(Buffer.concat(read).equals(whole)).toBe(true)
    const ranged: Buffer[] = []
    for await (const chunk of store.read('bkt', meta, { start: 1_000_000, end: 1_500_000 })) ranged.push(chunk as Buffer)
    expect(Buffer.concat(ranged).equals(whole.subarray(1_000_000, 1_500_001))).toBe(true)
    await expect(store.put('bkt', 'big2', Readable.from(chunks), { contentType: 'text/plain', now, maxBytes: 1_500_000 })).rejects.toMatchObject({ ossCode: 'EntityTooLarge' })
    expect(store.head('bkt', 'big2')).toBeUndefined()
    expect(readdirSync(join(root, 'tmp'))).toEqual([])
  })

  it('completes a 12-part upload into the right bytes without a listener warning', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ossvend-store-'))
    const store = new ObjectStore(root)
    await store.init(['bkt'])
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    try {
      const id = await store.initiateMultipart('bkt', 'parts.bin', { contentType: 'application/octet-stream', now })
      // Every part but the last at least 100 KB, as OSS requires.
      const parts = Array.from({ length: 12 }, (_, i) => Buffer.alloc(100 * 1024 + i, i + 1))
      const listed = []
      for (const [i, part] of parts.entries()) listed.push({ partNumber: i + 1, etag: (await store.uploadPart(id, i + 1, Readable.from([part]))).etag })
      const meta = await store.completeMultipart(id, listed, now)
      const whole = Buffer.concat(parts)
      expect(meta.size).toBe(whole.length)
      expect(meta.crc64).toBe(crc64(whole).toString(10))
      expect(meta.etag).toMatch(/-12"$/)
      const read: Buffer[] = []
      for await (const chunk of store.read('bkt', meta)) read.push(chunk as Buffer)
      expect(Buffer.concat(read).equals(whole)).toBe(true)
      await new Promise((r) => setImmediate(r))
      expect(warnings).not.toContain('MaxListenersExceededWarning')
    } finally {
      process.off('warning', onWarning)
    }
  })
})
