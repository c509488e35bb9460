import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import helmet, { type HelmetOptions } from 'helmet'

/**
 * helmet's headers, computed once at start-up and set in one step. helmet itself runs its
 * thirteen middlewares on every request, which costs more than the whole credential lookup; the
 * headers it sets depend only on its options, so they are captured from one dry run.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): RequestHandler {
  const headers = new Map<string, string>()
  const removed: string[] = []
  const fakeRes = {
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value),
    removeHeader: (name: string) => removed.push(name.toLowerCase()),
  } as unknown as ServerResponse
  helmet(options)({} as IncomingMessage, fakeRes, () => undefined)
  const entries = [...headers]
  return function securityHeadersMiddleware(_req, res, next) {
    for (const [name, value] of entries) res.setHeader(name, value)
    for (const name of removed) res.removeHeader(name)
    next()
  }
}
