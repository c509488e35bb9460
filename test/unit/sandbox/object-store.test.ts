import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ObjectStore } from '../../../src/sandbox/object-store.js'

const now = new Date('2026-11-25T10:00:00Z')
const body = (text: string) => Readable.from([Buffer.from(text)])

describe('ObjectStore', () => {
  it('names files by hash, so no key can leave the data folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ossvend-store-'))
    const store = new ObjectStore(root)
    await store.init(['bkt'])
    for (const key of ['../x', '/etc/passwd', '../../../../tmp/owned', 'a/b/../c']) await store.put('bkt', key, body(key), { contentType: 'text/plain', now })
    const files = readdirSync(join(root, 'buckets', 'bkt'))
    expect(files.every((f) => /^[0-9a-f]{64}(\.[0-9a-f]{12}\.data|\.meta\.json)$/.test(f))).toBe(true)
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
})
