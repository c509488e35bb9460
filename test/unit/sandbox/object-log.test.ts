import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ObjectLog } from '../../../src/sandbox/object-log.js'
import type { ObjectMeta } from '../../../src/sandbox/object-store.js'

const meta = (key: string, dataFile: string, size = 1): ObjectMeta => ({
  key, size, etag: '"0"', crc64: '0', contentType: 'text/plain', lastModified: '2026-12-01T00:00:00.000Z', acl: 'default', userMeta: {}, dataFile,
})
const lines = (dir: string) => readFileSync(join(dir, 'objects.log'), 'utf8').split('\n').filter((l) => l !== '')

describe('ObjectLog', () => {
  it('keeps sets and deletes across a reload, one line each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-log-'))
    const log = await ObjectLog.load(dir, readdirSync(dir))
    log.set(meta('a', 'x-1.data'))
    log.set(meta('b', 'x-2.data'))
    log.set(meta('a', 'x-3.data', 7))
    log.delete('b')
    expect(lines(dir)).toHaveLength(4)
    const reloaded = await ObjectLog.load(dir, readdirSync(dir))
    expect([...reloaded.objects.values()]).toEqual([meta('a', 'x-3.data', 7)])
    // Loading rewrites the log compact.
    expect(lines(dir)).toHaveLength(1)
  })

  it('skips a line cut short by a crash, and lines that are not its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-log-'))
    const log = await ObjectLog.load(dir, readdirSync(dir))
    log.set(meta('kept', 'x-1.data'))
    appendFileSync(join(dir, 'objects.log'), [
      JSON.stringify({ set: meta('escape', '../../etc/passwd.data') }),
      JSON.stringify({ set: { key: 'no-data-file' } }),
      '{"__proto__":{"polluted":true}}',
      'null',
      '"set"',
      '[1]',
      'not json',
      JSON.stringify({ set: meta('cut', 'x-2.data') }).slice(0, 40),
    ].join('\n'))
    const reloaded = await ObjectLog.load(dir, readdirSync(dir))
    expect([...reloaded.objects.keys()]).toEqual(['kept'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('takes over the metadata files of earlier versions, then removes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-log-'))
    writeFileSync(join(dir, `${'a'.repeat(64)}.meta.json`), JSON.stringify(meta('old', `${'a'.repeat(64)}.0123456789ab.data`, 3)))
    writeFileSync(join(dir, `${'b'.repeat(64)}.meta.json`), JSON.stringify(meta('bad', '/etc/passwd')))
    const log = await ObjectLog.load(dir, readdirSync(dir))
    expect(log.objects.get('old')?.size).toBe(3)
    expect(log.objects.has('bad')).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['objects.log'])
    expect((await ObjectLog.load(dir, readdirSync(dir))).objects.get('old')?.dataFile).toBe(`${'a'.repeat(64)}.0123456789ab.data`)
  })

  it('rewrites itself compact once it holds far more lines than objects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-log-'))
    const log = await ObjectLog.load(dir, readdirSync(dir))
    for (let i = 0; i < 2500; i++) log.set(meta(`k${i % 3}`, `x-${i}.data`))
    expect(lines(dir).length).toBeLessThan(1001)
    expect(existsSync(join(dir, 'objects.log.next'))).toBe(false)
    const reloaded = await ObjectLog.load(dir, readdirSync(dir))
    expect([...reloaded.objects.values()].map((m) => m.dataFile).sort()).toEqual(['x-2497.data', 'x-2498.data', 'x-2499.data'])
  })
})
