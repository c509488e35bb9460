import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createClaimFile } from '../../../src/grant/claim-file.js'
import { createMemoryUploadLog, UPLOAD_RECORD_MAX_BYTES, type UploadRecord } from '../../../src/grant/uploads.js'

const record = (key: string, mimeType = 'image/png'): UploadRecord => ({ key, size: 1, etag: 'E', crc64: '1', mimeType, at: '2026-01-01T00:00:00.000Z' })

describe('the in-memory upload log', () => {
  it('is bounded by bytes per user, not only by count, and cuts each field to its bound', async () => {
    const log = createMemoryUploadLog(() => 0, { maxPerUser: 1000, maxBytesPerUser: 10 * 1024 })
    for (let i = 0; i < 200; i++) await log.record('alice', record(`alice/${'k'.repeat(900)}${i}`, 'x'.repeat(60 * 1024)))
    const kept = await log.list('alice')
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(10 * 1024)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept[0]?.key.endsWith('199')).toBe(true)
    expect(Buffer.byteLength(kept[0]?.mimeType ?? '')).toBeLessThanOrEqual(255)
    expect(Buffer.byteLength(JSON.stringify(kept[0]))).toBeLessThanOrEqual(UPLOAD_RECORD_MAX_BYTES)
  })

  it('is bounded by bytes for all users together, dropping the least recently written user first', async () => {
    const log = createMemoryUploadLog(() => 0, { maxTotalBytes: 4096 })
    for (let u = 0; u < 100; u++) await log.record(`user${u}`, record(`user${u}/${'k'.repeat(500)}`))
    expect(await log.list('user0')).toEqual([])
    expect(await log.list('user99')).toHaveLength(1)
  })
})

describe('the claims file', () => {
  it('keeps claims across a restart, drops expired ones and a torn last line, and stores no ticket text', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ossvend-claims-')), 'claims.log')
    let t = 1_000
    const first = createClaimFile({ path, now: () => t })
    expect(await first.claim('ticket-a', 5_000)).toBe(true)
    expect(await first.claim('ticket-b', 2_000)).toBe(true)
    expect(await first.claim('ticket-a', 5_000)).toBe(false)
    appendFileSync(path, 'half-written-li')
    t = 3_000
    const second = createClaimFile({ path, now: () => t })
    expect(await second.claim('ticket-a', 5_000)).toBe(false)
    expect(await second.claim('ticket-b', 9_000)).toBe(true)
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain('ticket-')
    expect(text).not.toContain('half-written')
  })

  it('grants one of many simultaneous claims of one id, and refuses new claims when full', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ossvend-claims-')), 'claims.log')
    const file = createClaimFile({ path, now: () => 0, maxClaims: 3 })
    const results = await Promise.all(Array.from({ length: 10 }, () => file.claim('same', 100)))
    expect(results.filter(Boolean)).toHaveLength(1)
    await file.claim('b', 100)
    await file.claim('c', 100)
    await expect(file.claim('d', 100)).rejects.toThrow()
  })

  it('fails closed when the file cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-claims-'))
    writeFileSync(join(dir, 'file'), '')
    const file = createClaimFile({ path: join(dir, 'file', 'claims.log'), now: () => 0 })
    await expect(file.claim('a', 100)).rejects.toThrow()
  })
})
