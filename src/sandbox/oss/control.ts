import type { IncomingMessage, ServerResponse } from 'node:http'
import { isSandboxController } from '../control-auth.js'
import type { Sandbox } from './context.js'
import { OssFailure } from './failure.js'
import { readAll, sendJson } from './http-io.js'
import { parseJsonOrThrow } from '../../lib/parse-json.js'

/** Where the sandbox serves its callback public key: a path no bucket or key can take. */
export const CALLBACK_KEY_PATH = '/__sandbox/callback_pub_key.pem'

/** The clock may move by up to ten years either way. */
const MAX_OFFSET_MS = 10 * 365 * 86_400_000

/**
 * The sandbox's own endpoints, under `/__sandbox/` (never an OSS path: bucket names cannot start
 * with `_`). Returns false when the path is not one of them.
 *
 * - `/__sandbox/clock`: GET reads, PUT `{"offsetMs": n}` moves the endpoint's clock (to try
 *   expiry); only for the sandbox's controller (see control-auth.ts).
 * - `/__sandbox/stats`: where the time goes (bench).
 * - `/__sandbox/callback_pub_key.pem`: the public key of the callbacks' signatures.
 */
export async function handleControl(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  if (pathname === '/__sandbox/clock') {
    if (!isSandboxController(req.headers, sandbox.options.root)) {
      throw new OssFailure('AccessDenied', 'The sandbox clock needs the sandbox root credentials or its control token.')
    }
    if (req.method === 'PUT') sandbox.clockOffsetMs = parseOffset(await readAll(req, 1024))
    else if (req.method !== 'GET') throw new OssFailure('MethodNotAllowed', 'The specified method is not allowed against this resource.')
    sendJson(res, 200, { offsetMs: sandbox.clockOffsetMs })
    return true
  }
  if (pathname === '/__sandbox/stats') {
    sendJson(res, 200, sandbox.timing)
    return true
  }
  if (pathname === CALLBACK_KEY_PATH && sandbox.options.callbackKey) {
    res.setHeader('Content-Type', 'application/x-pem-file')
    res.end(sandbox.options.callbackKey.publicKeyPem)
    return true
  }
  return false
}

function parseOffset(text: string): number {
  let body: unknown
  try {
    body = parseJsonOrThrow(text || '{}')
  } catch {
    throw new OssFailure('InvalidArgument', 'The body must be JSON: {"offsetMs": number}.')
  }
  const offset = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { offsetMs?: unknown }).offsetMs ?? 0 : undefined
  if (typeof offset !== 'number' || !Number.isFinite(offset) || Math.abs(offset) > MAX_OFFSET_MS) {
    throw new OssFailure('InvalidArgument', 'offsetMs must be a number of milliseconds (at most ten years either way).')
  }
  return Math.trunc(offset)
}
