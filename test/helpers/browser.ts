import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startServerProcess, writeTestConfig, type ServerProcess } from './process.js'

/** Debian's Chromium, headless, with the flags that keep it off the (closed) network. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** A server process and a Chromium for one test file, started before its tests and stopped after. */
export function useServerAndChromium(): { readonly server: ServerProcess; readonly browser: Browser } {
  let server: ServerProcess | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    server = await startServerProcess(writeTestConfig())
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
