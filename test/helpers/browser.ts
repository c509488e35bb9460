import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { startServerProcess, writeTestConfig, type ServerProcess } from './process.js'
import { ROOT } from './vectors.js'

/** The part of ali-oss (Node) the browser tests use to set up and check objects. */
export interface AliOss {
  put(key: string, body: Buffer): Promise<unknown>
  get(key: string): Promise<{ content: Buffer }>
  head(key: string): Promise<unknown>
  list(query: object, options?: object): Promise<{ objects?: { name: string }[] }>
  listUploads(query: object): Promise<{ uploads: { name: string; uploadId: string }[] }>
}
const OSS = createRequire(import.meta.url)('ali-oss') as new (options: object) => AliOss

/** Debian's Chromium, headless, with the flags that keep it off the (closed) network. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** A test config (see writeTestConfig) changed in place by `edit`; its path. */
export function testConfigWith(edit: (config: { sign: Record<string, unknown>; policies: Record<string, unknown>; auth: Record<string, unknown>; oss: Record<string, unknown> }) => void): string {
  const path = writeTestConfig()
  const config = JSON.parse(readFileSync(path, 'utf8')) as Parameters<typeof edit>[0]
  edit(config)
  writeFileSync(path, JSON.stringify(config))
  return path
}

/** A server process and a Chromium for one test file, started before its tests and stopped after. */
export function useServerAndChromium(configPath: () => string = () => writeTestConfig()): { readonly server: ServerProcess; readonly browser: Browser } {
  let server: ServerProcess | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    server = await startServerProcess(configPath())
    browser = await launchChromium()
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    server?.child.kill('SIGKILL')
  })
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeAll')
      return server
    },
    get browser() {
      if (!browser) throw new Error('Chromium starts in beforeAll')
      return browser
    },
  }
}

/** Where the browser tests leave their screenshots (the suite's artifacts; test-results is gitignored). */
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots')

/** Saves a full-page screenshot as test-results/screenshots/PREFIX-NAME.png. */
export async function screenshot(page: Page, prefix: string, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${prefix}-${name}.png`), fullPage: true })
}

/** Page errors, console errors, CSP violations and failed responses, collected for one page. */
export async function watchProblems(page: Page): Promise<string[]> {
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(m.text())
  })
  await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))" })
  return problems
}

/** Signs in through the form and waits until the first area's first page is listed. */
export async function signIn(page: Page, server: ServerProcess, username: string): Promise<void> {
  await page.goto(server.url)
  await page.getByLabel('User name').fill(username)
  await page.getByLabel('Password').fill(`${username}-sandbox-password`)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await listed(page)
}

/** Waits for a listing to finish (its status line names the page). */
export async function listed(page: Page): Promise<void> {
  await expect.poll(() => page.locator('#listing-status').textContent(), { timeout: 15_000 }).toMatch(/ on page \d+|cannot be listed|denied/)
}

/** A Node ali-oss client with a demo user's own STS credentials, as ali-oss's README shows. */
export async function ossAs(server: ServerProcess, username: string, scope = 'read-write'): Promise<{ client: AliOss; prefix: string }> {
  const login = (await (await fetch(`${server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: `${username}-sandbox-password` }) })).json()) as { accessToken: string }
  const sts = (await (await fetch(`${server.url}/v1/sts?scope=${scope}`, { headers: { authorization: `Bearer ${login.accessToken}` } })).json()) as {
    AccessKeyId: string
    AccessKeySecret: string
    SecurityToken: string
    Placement: { Bucket: string; Endpoint: string; Region: string; Prefix: string }
  }
  const client = new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, bucket: sts.Placement.Bucket, endpoint: sts.Placement.Endpoint, region: `oss-${sts.Placement.Region}` })
  return { client, prefix: sts.Placement.Prefix }
}
