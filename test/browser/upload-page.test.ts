import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { startServerProcess, writeTestConfig, type ServerProcess } from '../helpers/process.js'
import { ROOT } from '../helpers/vectors.js'

const SHOTS = join(ROOT, 'test-results', 'screenshots')
// The flags Chromium needs on this machine: no sandbox as root, no GPU, no background networking.

let server: ServerProcess
// The page reaches the sandbox OSS at its advertised endpoint, bucket.localhost:PORT.
const toSandboxOss = (url: URL) => url.port === new URL(server.ossUrl).port
let browser: Browser
let shot = 0

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true })
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(server.url)
  await page.getByLabel('User name').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Upload files' }).waitFor()
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const path = writeTestConfig()
  const config = JSON.parse(readFileSync(path, 'utf8')) as { sign: Record<string, unknown> }
  config.sign = { ...config.sign, contentTypes: ['text/plain', 'image/png', 'application/octet-stream'], maxUploadBytes: 64 * 1024 * 1024, multipartThresholdBytes: 8 * 1024 * 1024 }
  writeFileSync(path, JSON.stringify(config))
  server = await startServerProcess(path)
  browser = await launchChromium()
}, 30_000)

afterAll(async () => {
  await browser?.close()
  server?.child.kill('SIGKILL')
})

describe('the upload page in Chromium', () => {
  it('signs in, uploads a small file and a 20 MB file, shows 100% and the callback answer, and downloads the file back', async () => {
    const context = await browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text())
    })
    await page.goto(server.url)
    await screenshot(page, 'sign-in')
    await signIn(page, 'alice', 'alice-sandbox-password')
    await expect.poll(() => page.locator('#who').textContent()).toBe('Signed in as alice')
    await screenshot(page, 'signed-in')

    const small = Buffer.from('hello from the browser\n'.repeat(100))
    await page.locator('#files').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: small })
    const smallItem = page.locator('#queue li', { hasText: 'hello.txt' })
    await expect.poll(() => smallItem.locator('.details').textContent(), { timeout: 15_000 }).toMatch(/Uploaded alice\/web\/hello\.txt: 2300 bytes, ETag .*CRC-64 \d+ \(matches this file\)/)
    expect(await smallItem.locator('.percent').textContent()).toBe('100%')
    await screenshot(page, 'small-uploaded')

    const big = Buffer.alloc(20 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 256
    await page.locator('#files').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big })
    const bigItem = page.locator('#queue li', { hasText: 'big.bin' })
    await expect.poll(() => bigItem.locator('.details').textContent(), { timeout: 60_000 }).toMatch(/Uploaded alice\/web\/big\.bin: 20971520 bytes, .*\(matches this file\)/)
    expect(await bigItem.locator('.percent').textContent()).toBe('100%')
    expect(await page.locator('#overall-percent').textContent()).toBe('100%')
    await screenshot(page, 'big-uploaded')

    await page.getByRole('button', { name: 'Refresh' }).click()
    const link = page.locator('#files-list a', { hasText: 'alice/web/big.bin' })
    await link.waitFor()
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    const saved = join(SHOTS, 'downloaded-big.bin')
    await download.saveAs(saved)
    expect(readFileSync(saved).equals(big)).toBe(true)
    await screenshot(page, 'files-listed')
    expect(problems, problems.join("\n")).toEqual([])
    await context.close()
  }, 120_000)

  it('does not show alice\'s files to bob', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page, 'bob', 'bob-sandbox-password')
    await page.getByRole('heading', { name: 'Your files' }).waitFor()
    await page.waitForTimeout(300)
    expect(await page.locator('#files-list').textContent()).not.toContain('alice/')
    await screenshot(page, 'bob-sees-nothing-of-alice')
    await context.close()
  })

  it('says so in words when a type is not allowed and when the form expired', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page, 'alice', 'alice-sandbox-password')
    await page.locator('#files').setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<h1>hi</h1>') })
    await expect.poll(() => page.locator('#queue li', { hasText: 'page.html' }).locator('.details').textContent()).toBe('This type of file is not allowed.')
    await screenshot(page, 'type-not-allowed')

    // Move the sandbox's clock past the form's expiry, as if the user waited too long.
    await fetch(`${server.ossUrl}/__sandbox/clock`, { method: 'PUT', headers: server.control, body: JSON.stringify({ offsetMs: 11 * 60_000 }) })
    try {
      await page.locator('#files').setInputFiles({ name: 'late.txt', mimeType: 'text/plain', buffer: Buffer.from('late') })
      await expect.poll(() => page.locator('#queue li', { hasText: 'late.txt' }).locator('.details').textContent()).toBe('The upload form expired before the upload started. Try again.')
      await screenshot(page, 'form-expired')
    } finally {
      await fetch(`${server.ossUrl}/__sandbox/clock`, { method: 'PUT', headers: server.control, body: JSON.stringify({ offsetMs: 0 }) })
    }
    await context.close()
  })

  it('retries a part that failed on the network', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page, 'alice', 'alice-sandbox-password')
    let attemptsOfPart3 = 0
    await page.route(toSandboxOss, async (route) => {
      const url = new URL(route.request().url())
      if (route.request().method() === 'PUT' && url.searchParams.get('partNumber') === '3' && attemptsOfPart3++ === 0) return route.abort('connectionreset')
      return route.continue()
    })
    const data = Buffer.alloc(9 * 1024 * 1024, 5)
    await page.locator('#files').setInputFiles({ name: 'flaky.bin', mimeType: 'application/octet-stream', buffer: data })
    await expect.poll(() => page.locator('#queue li', { hasText: 'flaky.bin' }).locator('.details').textContent(), { timeout: 60_000 }).toMatch(/\(matches this file\)/)
    expect(attemptsOfPart3).toBe(2)
    await screenshot(page, 'part-retried')
    await context.close()
  }, 90_000)

  it('resumes a multipart upload after a reload instead of starting over', async () => {
    const dir = join(SHOTS, 'resume')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'resume.bin')
    const data = Buffer.alloc(24 * 1024 * 1024)
    for (let i = 0; i < data.length; i += 1024) data[i] = (i / 1024) % 253
    writeFileSync(file, data)
    const context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page, 'alice', 'alice-sandbox-password')
    const parts: string[] = []
    page.on('request', (r) => {
      const url = new URL(r.url())
      if (r.method() === 'PUT' && url.searchParams.has('partNumber')) parts.push(url.searchParams.get('partNumber') as string)
    })
    // Slow every part down so that the reload lands mid-upload.
    await page.route(toSandboxOss, async (route) => {
      if (route.request().method() === 'PUT') await new Promise((r) => setTimeout(r, 150))
      return route.continue()
    })
    await page.locator('#files').setInputFiles(file)
    const item = () => page.locator('#queue li', { hasText: 'resume.bin' })
    await expect.poll(async () => Number((await item().locator('.percent').textContent())?.replace('%', '')), { timeout: 60_000 }).toBeGreaterThanOrEqual(30)
    const before = new Set(parts).size
    await page.reload()
    await page.getByRole('heading', { name: 'Upload files' }).waitFor()
    await page.locator('#files').setInputFiles(file)
    await expect.poll(() => item().locator('.details').textContent(), { timeout: 90_000 }).toMatch(/Uploaded alice\/web\/resume\.bin: 25165824 bytes.*\(matches this file\)/)
    await screenshot(page, 'resumed')
    // 24 parts of 1 MiB in all: resuming sent the remaining ones, not all 24 again.
    expect(before).toBeGreaterThan(0)
    expect(parts.length).toBeLessThan(24 + before)
    await context.close()
  }, 150_000)

  it('works at phone width and with the keyboard alone', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true })
    const page = await context.newPage()
    await page.goto(server.url)
    await page.keyboard.press('Tab')
    await page.keyboard.type('bob')
    await page.keyboard.press('Tab')
    await page.keyboard.type('bob-sandbox-password')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Upload files' }).waitFor()
    const width = (await page.evaluate('document.documentElement.scrollWidth')) as number
    expect(width).toBeLessThanOrEqual(375)
    await screenshot(page, 'phone-width')
    await context.close()
  })
})
