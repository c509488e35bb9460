import { createHmac } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { safeEqual } from '../lib/crypto.js'

/** The sandbox account's own AccessKey (`root-credentials.json` in the data folder). */
export interface SandboxRootKey {
  readonly accessKeyId: string
  readonly accessKeySecret: string
}

/**
 * The token that opens the sandbox's control endpoints (`/__sandbox/clock` on the OSS endpoint,
 * `/__sandbox/faults` on the STS). It is derived from the root secret, so it stays the same
 * across restarts and whoever can read the root key can compute it; nobody else can. Start-up
 * prints it.
 */
export function sandboxControlToken(root: SandboxRootKey): string {
  return createHmac('sha256', root.accessKeySecret).update('ossvend sandbox control token\u0000').update(root.accessKeyId).digest('base64url')
}

/**
 * Whether a request may use the control endpoints: `Authorization: Bearer <control token>`, or
 * `Authorization: Basic base64(<root AccessKeyId>:<root AccessKeySecret>)`. Everything else,
 * including every vended STS credential, is refused.
 */
export function isSandboxController(headers: IncomingHttpHeaders, root: SandboxRootKey): boolean {
  const auth = headers.authorization
  if (typeof auth !== 'string') return false
  const space = auth.indexOf(' ')
  if (space < 0) return false
  const scheme = auth.slice(0, space).toLowerCase()
  const value = auth.slice(space + 1).trim()
  if (scheme === 'bearer') return safeEqual(value, sandboxControlToken(root))
  if (scheme === 'basic') {
    const text = Buffer.from(value, 'base64').toString('utf8')
    const colon = text.indexOf(':')
    if (colon < 0) return false
    // Both halves are compared, always, so the time taken says nothing about which was wrong.
    const idOk = safeEqual(text.slice(0, colon), root.accessKeyId)
    const secretOk = safeEqual(text.slice(colon + 1), root.accessKeySecret)
    return idOk && secretOk
  }
  return false
}
