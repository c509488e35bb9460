import { describe, expect, it } from 'vitest'
import { useServerAndChromium } from '../helpers/browser.js'

const fixture = useServerAndChromium()

describe('the API reference at /docs in Chromium', () => {
  it('renders every operation of /openapi.json, with no CSP violation and no request leaving the server', async () => {
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    const problems: string[] = []
    const requested: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error' || m.text().includes('Content Security Policy')) problems.push(m.text())
    })
    page.on('request', (r) => requested.push(r.url()))
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`)
    })
    await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))" })
    const response = await page.goto(`${fixture.server.url}/docs`)
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'")
    const doc = (await (await fetch(`${fixture.server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> }
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method, path })))
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 })
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 10_000 }).toBe(operations.length)
    for (const { method, path } of operations) {
      expect(await page.locator(`.opblock-${method} [data-path="${path}"]`).count(), `${method} ${path}`).toBeGreaterThan(0)
    }
    // Open one operation: its responses (with the mobile error form) render too.
    await page.locator('.opblock-get [data-path="/v1/sts"]').first().click()
    await page.locator('.responses-table').first().waitFor()
    const origin = new URL(fixture.server.url).origin
    expect(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })
})
