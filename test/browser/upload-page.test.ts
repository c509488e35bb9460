import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { listed, ossAs, screenshot, SCREENSHOTS, signIn, testConfigWith, useServerAndChromium, watchProblems, type AliOss } from '../helpers/browser.js'

// The page over the read-write template scope (one area, the user's own prefix), with a list of
// allowed types and 8 MiB as the multipart threshold.
const fixture = useServerAndChromium(() =>
  testConfigWith((config) => {
    config.sign = { ...config.sign, contentTypes: ['text/plain', 'image/png', 'application/octet-stream'], maxUploadBytes: 64 * 1024 * 1024, multipartThresholdBytes: 8 * 1024 * 1024 }
    config.policies.pageScope = 'read-write'
  }),
)
const shot = (page: Page, name: string) => screenshot(page, 'uploads', name)
// The page reaches the sandbox OSS at its advertised endpoint, bucket.localhost:PORT.
const toSandboxOss = (url: URL) => url.port === new URL(fixture.server.ossUrl).port
const item = (page: Page, path: string) => page.locator('#queue li', { has: page.locator('.name', { hasText: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) })
const percentOf = async (page: Page, path: string) => Number((await item(page, path).locator('.percent').textContent())?.replace('%', ''))

/** Every PUT to the sandbox waits `ms` first, so that an upload is still running when the test acts. */
async function slowParts(page: Page, ms: number): Promise<void> {
  await page.route(toSandboxOss, async (route) => {
    if (route.request().method() === 'PUT') await new Promise((r) => setTimeout(r, ms))
    return route.continue()
  })
}

function patterned(size: number, seed: number): Buffer {
  const data = Buffer.alloc(size)
  for (let i = 0; i < size; i += 4096) data[i] = (i / 4096 + seed) % 256
  return data
}

let alice: { client: AliOss; prefix: string }

beforeAll(async () => {
  alice = await ossAs(fixture.server, 'alice')
  await alice.client.put(`${alice.prefix}projects/readme.txt`, Buffer.from('projects'))
})

async function openProjects(page: Page): Promise<void> {
  await signIn(page, fixture.server, 'alice')
  await page.getByRole('button', { name: 'Open folder projects' }).click()
  await listed(page)
}

describe('uploads in the storage browser', () => {
  it('uploads a small file and a 20 MB file by the picker: 100% each and in total, CRC-64 checked, listed, downloaded back', async () => {
    const context = await fixture.browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    const problems = await watchProblems(page)
    await signIn(page, fixture.server, 'alice')

    const small = Buffer.from('hello from the browser\n'.repeat(100))
    await page.locator('#files').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: small })
    await expect.poll(() => item(page, 'hello.txt').locator('.details').textContent(), { timeout: 15_000 }).toMatch(/^Uploaded alice\/hello\.txt: 2\.2 KB \(2300 bytes\), ETag .*CRC-64 \d+ \(matches this file\)$/)
    expect(await percentOf(page, 'hello.txt')).toBe(100)

    const big = patterned(20 * 1024 * 1024, 0)
    await page.locator('#files').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big })
    await expect.poll(() => item(page, 'big.bin').locator('.details').textContent(), { timeout: 60_000 }).toMatch(/^Uploaded alice\/big\.bin: 20 MB \(20971520 bytes\), .*\(matches this file\)$/)
    expect(await percentOf(page, 'big.bin')).toBe(100)
    expect(await page.locator('#overall-percent').textContent()).toBe('100%')
    expect(await page.locator('#overall-bytes').textContent()).toBe('20 MB of 20 MB')
    // The folder was listed again once the batch settled.
    await page.locator('#listing li[data-name="big.bin"]').waitFor()
    expect(await page.locator('#listing li[data-name="big.bin"] .meta').textContent()).toMatch(/^20 MB, /)
    await shot(page, 'picker-uploaded')

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download big.bin' }).click()])
    const saved = join(SCREENSHOTS, 'downloaded-big.bin')
    await download.saveAs(saved)
    expect(readFileSync(saved).equals(big)).toBe(true)
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  }, 120_000)

  it('uploads dropped files (a DataTransfer built in the page) and a chosen folder, keeping relative paths under the current folder', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    const problems = await watchProblems(page)
    await openProjects(page)

    // A drop as a person makes it, with a DataTransfer built in the page.
    await page.evaluate(`(() => {
      const transfer = new DataTransfer()
      transfer.items.add(new File(['dropped one\\n'], 'drop-1.txt', { type: 'text/plain' }))
      transfer.items.add(new File(['dropped two\\n'], 'drop-2.txt', { type: 'text/plain' }))
      const zone = document.getElementById('drop')
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }))
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }))
    })()`)
    for (const name of ['drop-1.txt', 'drop-2.txt']) {
      await expect.poll(() => item(page, name).locator('.details').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^Uploaded alice/projects/${name.replace('.', '\\.')}: .*\\(matches this file\\)$`))
    }
    expect((await alice.client.get(`${alice.prefix}projects/drop-2.txt`)).content.toString()).toBe('dropped two\n')
    await shot(page, 'dropped')

    const tree = join(SCREENSHOTS, 'tree')
    mkdirSync(join(tree, 'sub'), { recursive: true })
    writeFileSync(join(tree, 'a.txt'), 'a in the tree\n')
    writeFileSync(join(tree, 'sub', 'b.txt'), 'b in the subfolder\n')
    await page.locator('#folder').setInputFiles(tree)
    for (const path of ['tree/a.txt', 'tree/sub/b.txt']) {
      await expect.poll(() => item(page, path).locator('.details').textContent(), { timeout: 15_000 }).toMatch(/\(matches this file\)$/)
    }
    expect((await alice.client.get(`${alice.prefix}projects/tree/sub/b.txt`)).content.toString()).toBe('b in the subfolder\n')
    await page.locator('#listing li[data-name="tree/"]').waitFor()
    await page.getByRole('button', { name: 'Open folder tree' }).click()
    await listed(page)
    await page.locator('#listing li[data-name="sub/"]').waitFor()
    await shot(page, 'folder-uploaded')
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  }, 60_000)

  it('pauses and resumes a multipart upload, which then completes with its CRC-64 checked', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await openProjects(page)
    await slowParts(page, 250)
    const data = patterned(12 * 1024 * 1024, 7)
    await page.locator('#files').setInputFiles({ name: 'paused.bin', mimeType: 'application/octet-stream', buffer: data })
    await expect.poll(() => percentOf(page, 'paused.bin'), { timeout: 30_000 }).toBeGreaterThanOrEqual(20)
    await page.getByRole('button', { name: 'Pause paused.bin' }).click()
    await expect.poll(() => item(page, 'paused.bin').locator('.details').textContent(), { timeout: 15_000 }).toBe('Paused')
    const atPause = await percentOf(page, 'paused.bin')
    expect(atPause).toBeLessThan(100)
    await page.waitForTimeout(800)
    expect(await percentOf(page, 'paused.bin')).toBe(atPause)
    await shot(page, 'paused')
    await page.getByRole('button', { name: 'Resume paused.bin' }).click()
    await expect.poll(() => item(page, 'paused.bin').locator('.details').textContent(), { timeout: 60_000 }).toMatch(/^Uploaded alice\/projects\/paused\.bin: 12 MB \(12582912 bytes\), .*\(matches this file\)$/)
    expect(await percentOf(page, 'paused.bin')).toBe(100)
    expect((await alice.client.get(`${alice.prefix}projects/paused.bin`)).content.equals(data)).toBe(true)
    await shot(page, 'resumed-after-pause')
    await context.close()
  }, 120_000)

  it('cancels a multipart upload: no object and no pending upload is left', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await openProjects(page)
    await slowParts(page, 250)
    await page.locator('#files').setInputFiles({ name: 'cancelled.bin', mimeType: 'application/octet-stream', buffer: patterned(12 * 1024 * 1024, 3) })
    await expect.poll(() => percentOf(page, 'cancelled.bin'), { timeout: 30_000 }).toBeGreaterThanOrEqual(10)
    const key = `${alice.prefix}projects/cancelled.bin`
    expect((await alice.client.listUploads({ prefix: key })).uploads.map((u) => u.name)).toEqual([key])
    await page.getByRole('button', { name: 'Cancel cancelled.bin' }).click()
    await expect.poll(() => item(page, 'cancelled.bin').locator('.details').textContent(), { timeout: 30_000 }).toBe('Cancelled: the parts sent so far were deleted.')
    expect(await item(page, 'cancelled.bin').getByRole('button').count()).toBe(0)
    await shot(page, 'cancelled')
    await page.waitForTimeout(500)
    await expect(alice.client.head(key)).rejects.toMatchObject({ status: 404 })
    expect((await alice.client.listUploads({ prefix: key })).uploads).toEqual([])
    expect(await page.evaluate("Object.keys(localStorage).filter((k) => k.includes('cancelled.bin'))")).toEqual([])
    await context.close()
  }, 90_000)

  it('says so in words when a type is not allowed and when the form expired', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await signIn(page, fixture.server, 'alice')
    await page.locator('#files').setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<h1>hi</h1>') })
    await expect.poll(() => item(page, 'page.html').locator('.details').textContent()).toBe('This type of file is not allowed.')
    await shot(page, 'type-not-allowed')

    // Move the sandbox's clock past the form's expiry, as if the user waited too long.
    const clock = (offsetMs: number) => fetch(`${fixture.server.ossUrl}/__sandbox/clock`, { method: 'PUT', headers: fixture.server.control, body: JSON.stringify({ offsetMs }) })
    await clock(11 * 60_000)
    try {
      await page.locator('#files').setInputFiles({ name: 'late.txt', mimeType: 'text/plain', buffer: Buffer.from('late') })
      await expect.poll(() => item(page, 'late.txt').locator('.details').textContent()).toBe('The upload form expired before the upload started. Try again.')
      await shot(page, 'form-expired')
    } finally {
      await clock(0)
    }
    await context.close()
  })

  it('retries a part that failed on the network', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await signIn(page, fixture.server, 'alice')
    let attemptsOfPart3 = 0
    await page.route(toSandboxOss, async (route) => {
      const url = new URL(route.request().url())
      if (route.request().method() === 'PUT' && url.searchParams.get('partNumber') === '3' && attemptsOfPart3++ === 0) return route.abort('connectionreset')
      return route.continue()
    })
    await page.locator('#files').setInputFiles({ name: 'flaky.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(9 * 1024 * 1024, 5) })
    await expect.poll(() => item(page, 'flaky.bin').locator('.details').textContent(), { timeout: 60_000 }).toMatch(/\(matches this file\)/)
    expect(attemptsOfPart3).toBe(2)
    await shot(page, 'part-retried')
    await context.close()
  }, 90_000)

  it('resumes a multipart upload after a reload instead of starting over', async () => {
    const dir = join(SCREENSHOTS, 'resume')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'resume.bin')
    writeFileSync(file, patterned(24 * 1024 * 1024, 11))
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await signIn(page, fixture.server, 'alice')
    const parts: string[] = []
    page.on('request', (r) => {
      const url = new URL(r.url())
      if (r.method() === 'PUT' && url.searchParams.has('partNumber')) parts.push(url.searchParams.get('partNumber') as string)
    })
    await slowParts(page, 150)
    await page.locator('#files').setInputFiles(file)
    await expect.poll(() => percentOf(page, 'resume.bin'), { timeout: 60_000 }).toBeGreaterThanOrEqual(30)
    const before = new Set(parts).size
    await page.reload()
    await listed(page)
    await page.locator('#files').setInputFiles(file)
    await expect.poll(() => item(page, 'resume.bin').locator('.details').textContent(), { timeout: 90_000 }).toMatch(/^Uploaded alice\/resume\.bin: 24 MB \(25165824 bytes\).*\(matches this file\)$/)
    await shot(page, 'resumed-after-reload')
    // 24 parts of 1 MiB in all: resuming sent the remaining ones, not all 24 again.
    expect(before).toBeGreaterThan(0)
    expect(parts.length).toBeLessThan(24 + before)
    await context.close()
  }, 150_000)
})
