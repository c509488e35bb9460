import { crc32, deflateSync } from 'node:zlib'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { listed, ossAs, screenshot, signIn, testConfigWith, useServerAndChromium, watchProblems, type AliOss } from '../helpers/browser.js'

// The page over the read-write template scope: one area, the user's own prefix.
const fixture = useServerAndChromium(() => testConfigWith((config) => (config.policies.pageScope = 'read-write')))
const shot = (page: Page, name: string) => screenshot(page, 'browser', name)

/** A small real PNG (16 x 16, one colour), so the preview has something to decode. */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(16, 0)
  header.writeUInt32BE(16, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const rows = Buffer.concat(Array.from({ length: 16 }, () => Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: 16 }, () => [26, 95, 180]).flat())])))
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

let alice: { client: AliOss; prefix: string }
const MANY = 57

beforeAll(async () => {
  alice = await ossAs(fixture.server, 'alice')
  const p = alice.prefix
  await alice.client.put(`${p}docs/readme.txt`, Buffer.from('read me\n'))
  await alice.client.put(`${p}docs/reports/q1.txt`, Buffer.from('first quarter\n'.repeat(200)))
  await alice.client.put(`${p}pictures/dot.png`, png())
  await alice.client.put(`${p}old.txt`, Buffer.from('to be deleted'))
  await Promise.all(Array.from({ length: MANY }, (_, i) => alice.client.put(`${p}many/file-${String(i).padStart(3, '0')}.txt`, Buffer.from(`file ${i}`))))
}, 60_000)

const entry = (page: Page, name: string) => page.locator(`#listing li[data-name="${name}"]`)

describe('the storage browser in Chromium', () => {
  it('shows the areas, navigates folders and breadcrumbs, and pages through a long folder', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    const problems = await watchProblems(page)
    const response = await page.goto(fixture.server.url)
    // Scripts from ossvend only (no inline script, no eval); images also from the OSS endpoint.
    const csp = response?.headers()['content-security-policy'] ?? ''
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toMatch(new RegExp(`img-src 'self' data: http://\\*\\.localhost:${new URL(fixture.server.ossUrl).port};`))
    // Guests are not enabled in this config: no guest button.
    expect(await page.getByRole('button', { name: 'Continue as guest' }).count()).toBe(0)
    await shot(page, 'sign-in')
    await signIn(page, fixture.server, 'alice')
    await expect.poll(() => page.locator('#who').textContent()).toBe('Signed in as alice')
    const tabs = page.getByRole('tab')
    expect(await tabs.count()).toBeGreaterThanOrEqual(1)
    expect(await page.locator('#crumbs [aria-current=page]').textContent()).toBe(await page.locator('[role=tab][aria-selected=true]').textContent())
    for (const name of ['docs/', 'many/', 'pictures/', 'old.txt']) await entry(page, name).waitFor()
    expect(await entry(page, 'old.txt').locator('.meta').textContent()).toMatch(/^13 B, /)
    await shot(page, 'signed-in')

    await page.getByRole('button', { name: 'Open folder docs' }).click()
    await listed(page)
    await entry(page, 'reports/').waitFor()
    expect(await entry(page, 'readme.txt').count()).toBe(1)
    await page.getByRole('button', { name: 'Open folder reports' }).click()
    await listed(page)
    expect(await entry(page, 'q1.txt').locator('.meta').textContent()).toMatch(/^2\.7 KB, /)
    expect(await page.locator('#crumbs li').allTextContents()).toEqual([expect.any(String), 'docs', 'reports'])
    await shot(page, 'folder-two-deep')
    await page.locator('#crumbs').getByRole('button', { name: 'docs' }).click()
    await listed(page)
    await entry(page, 'reports/').waitFor()
    await page.locator('#crumbs button').first().click()
    await listed(page)
    await entry(page, 'many/').waitFor()

    await page.getByRole('button', { name: 'Open folder many' }).click()
    await listed(page)
    expect(await page.locator('#listing li.file').count()).toBe(50)
    expect(await page.locator('#listing-status').textContent()).toContain('more on the next page')
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true)
    await shot(page, 'page-1-of-2')
    await page.getByRole('button', { name: 'Next page' }).click()
    await expect.poll(() => page.locator('#page-number').textContent()).toBe('Page 2')
    await listed(page)
    expect(await page.locator('#listing li.file').count()).toBe(MANY - 50)
    expect(await page.locator('#listing li.file').first().getAttribute('data-name')).toBe('file-050.txt')
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true)
    await shot(page, 'page-2-of-2')
    await page.getByRole('button', { name: 'Previous page' }).click()
    await expect.poll(() => page.locator('#page-number').textContent()).toBe('Page 1')
    await expect.poll(() => page.locator('#listing li.file').first().getAttribute('data-name')).toBe('file-000.txt')
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  }, 60_000)

  it('downloads a file, shares a link with the lifetime shown, previews an image and deletes a file', async () => {
    const context = await fixture.browser.newContext({ acceptDownloads: true })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fixture.server.url })
    const page = await context.newPage()
    const problems = await watchProblems(page)
    await signIn(page, fixture.server, 'alice')
    await page.getByRole('button', { name: 'Open folder docs' }).click()
    await listed(page)

    // Download: a signed URL with an attachment disposition; the browser saves the bytes.
    const link = page.getByRole('link', { name: 'Download readme.txt' })
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(download.suggestedFilename()).toBe('readme.txt')
    const saved = await download.path()
    expect(saved).toBeTruthy()
    const href = await link.getAttribute('href')
    expect(href).toMatch(/x-oss-signature|Signature=/i)
    const fetched = await fetch(href as string)
    expect(fetched.status).toBe(200)
    expect(fetched.headers.get('content-disposition')).toBe('attachment; filename="readme.txt"')
    expect(await fetched.text()).toBe('read me\n')

    // Copy link: the lifetime is picked from the server's range and shown with the link.
    await page.getByRole('button', { name: 'Copy link to readme.txt' }).click()
    const dialog = page.getByRole('dialog', { name: 'Share a link' })
    await dialog.waitFor()
    const options = await page.locator('#link-ttl option').allTextContents()
    expect(options).toEqual(['1 minute', '5 minutes', '15 minutes', '1 hour'])
    expect(await page.locator('#link-ttl').inputValue()).toBe('900')
    await page.getByLabel('Link lifetime').selectOption({ label: '5 minutes' })
    await page.getByRole('button', { name: 'Create link' }).click()
    await expect.poll(() => page.locator('#link-lifetime').textContent()).toMatch(/^Valid for 5 minutes, until \d/)
    const shared = await page.locator('#link-url').inputValue()
    const sharedAnswer = await fetch(shared)
    expect(sharedAnswer.status).toBe(200)
    expect(await sharedAnswer.text()).toBe('read me\n')
    await page.locator('#link-copy').click()
    await expect.poll(() => page.locator('#link-copied').textContent()).toBe('Copied.')
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(shared)
    await shot(page, 'copy-link')
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.isVisible()).toBe(false)
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Copy link to readme.txt')

    // Image preview: a signed GET URL in an <img>, allowed by the page's img-src.
    await page.locator('#crumbs button').first().click()
    await listed(page)
    await page.getByRole('button', { name: 'Open folder pictures' }).click()
    await listed(page)
    await page.getByRole('button', { name: 'Preview dot.png' }).click()
    await expect.poll(() => page.locator('#preview-status').textContent()).toBe('16 x 16 pixels')
    expect(await page.evaluate("document.getElementById('preview-image').naturalWidth")).toBe(16)
    await shot(page, 'image-preview')
    await page.getByRole('button', { name: 'Close' }).and(page.locator('#preview-close')).click()

    // Delete, after a confirmation in the row; the object is gone from OSS too.
    await page.locator('#crumbs button').first().click()
    await listed(page)
    await page.getByRole('button', { name: 'Delete old.txt' }).click()
    await shot(page, 'delete-confirm')
    await page.getByRole('button', { name: 'Yes, delete old.txt' }).click()
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Deleted old.txt.')
    await expect.poll(() => entry(page, 'old.txt').count()).toBe(0)
    await expect(alice.client.head(`${alice.prefix}old.txt`)).rejects.toMatchObject({ status: 404 })
    await shot(page, 'deleted')
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  }, 60_000)

  it('does not show alice\'s files to bob', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await signIn(page, fixture.server, 'bob')
    expect(await page.locator('#listing').textContent()).not.toMatch(/docs|many|pictures/)
    await shot(page, 'bob-sees-nothing-of-alice')
    await context.close()
  })

  it('signs out: the server ends the token and the tab forgets it', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await signIn(page, fixture.server, 'alice')
    const token = (await page.evaluate("JSON.parse(sessionStorage.getItem('ossvend-session')).token")) as string
    expect((await fetch(`${fixture.server.url}/v1/sts`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    expect(await page.locator('#notice').textContent()).toBe('You are signed out.')
    expect(await page.evaluate('sessionStorage.length')).toBe(0)
    expect(await page.locator('#browser').isHidden()).toBe(true)
    expect((await fetch(`${fixture.server.url}/v1/sts`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    await page.reload()
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true)
    await shot(page, 'signed-out')
    await context.close()
  })

  it('works with the keyboard alone: sign in, open a folder, go back by the breadcrumb, share a link', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    await page.goto(fixture.server.url)
    const focused = () => page.evaluate('(document.activeElement.id || document.activeElement.getAttribute("aria-label") || document.activeElement.textContent).trim()')
    const tabTo = async (name: string, key = 'Tab') => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press(key)
        if ((await focused()) === name) return
      }
      throw new Error(`Tab never reached ${name}`)
    }
    await page.keyboard.press('Tab') // the skip link
    await page.keyboard.press('Tab')
    await page.keyboard.type('alice')
    await page.keyboard.press('Tab')
    await page.keyboard.type('alice-sandbox-password')
    await page.keyboard.press('Enter')
    await listed(page)
    await tabTo('Open folder docs')
    // Visible focus: the focused button has an outline.
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid')
    await page.keyboard.press('Enter')
    await listed(page)
    await entry(page, 'reports/').waitFor()
    await tabTo('Open folder reports')
    await page.keyboard.press(' ')
    await listed(page)
    await entry(page, 'q1.txt').waitFor()
    await tabTo('docs', 'Shift+Tab')
    await page.keyboard.press('Enter')
    await listed(page)
    await entry(page, 'readme.txt').waitFor()
    await tabTo('Copy link to readme.txt')
    await page.keyboard.press('Enter')
    expect(await focused()).toBe('link-ttl')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('#link-lifetime').textContent()).toMatch(/^Valid for 15 minutes/)
    expect(await focused()).toBe('link-copy')
    await shot(page, 'keyboard-share')
    await page.keyboard.press('Escape')
    expect(await focused()).toBe('Copy link to readme.txt')
    await context.close()
  }, 60_000)

  it('fits a phone: 375 px wide, no horizontal scrolling, in the listing, with uploads and in a dialog', async () => {
    const context = await fixture.browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    const overflow = () => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')
    await page.goto(fixture.server.url)
    expect(await overflow()).toBe(0)
    await signIn(page, fixture.server, 'alice')
    expect(await overflow()).toBe(0)
    await shot(page, 'phone-listing')
    await page.locator('#files').setInputFiles({ name: 'a-rather-long-file-name-that-must-wrap-on-a-phone-screen.txt', mimeType: 'text/plain', buffer: Buffer.from('phone') })
    await expect.poll(() => page.locator('#queue li .details').textContent(), { timeout: 15_000 }).toMatch(/matches this file/)
    expect(await overflow()).toBe(0)
    await shot(page, 'phone-uploaded')
    await page.getByRole('button', { name: 'Open folder docs' }).click()
    await listed(page)
    await page.getByRole('button', { name: 'Copy link to readme.txt' }).click()
    await page.getByRole('button', { name: 'Create link' }).click()
    await expect.poll(() => page.locator('#link-lifetime').textContent()).toMatch(/^Valid for/)
    expect(await overflow()).toBe(0)
    await shot(page, 'phone-dialog')
    await context.close()
  }, 60_000)
})
