import express, { type Router } from 'express'
import { CallbackReplayedError, CallbackUnverifiedError } from '../../errors.js'
import { readTicket } from '../../grant/upload-ticket.js'
import { verifyCallback } from '../../oss/callback.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import type { AppDeps } from '../deps.js'
import { parseJsonOrThrow } from '../../lib/parse-json.js'

const MAX_CALLBACK_BYTES = 64 * 1024

/**
 * POST /v1/oss/callback: OSS's call after an upload. Nothing is recorded before the RSA signature
 * (over the raw body), the key URL's host, and the server's own ticket inside the signed callback
 * body are all verified; the same upload reported twice is refused. OSS expects JSON 200.
 * GET /v1/uploads: the caller's verified uploads.
 */
export function callbackRoutes(deps: AppDeps, router: Router): void {
  router.post('/v1/oss/callback', express.raw({ type: () => true, limit: MAX_CALLBACK_BYTES, inflate: false }), async (req, res) => {
    const [rawPath = '/', rawQuery = ''] = req.originalUrl.split(/\?(.*)/s)
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const header = (name: string) => {
      const v = req.headers[name]
      return Array.isArray(v) ? v[0] : v
    }
    const verdict = await verifyCallback(
      { rawPath, rawQuery, body, authorization: header('authorization'), publicKeyUrl: header('x-oss-pub-key-url') },
      deps.fetchCallbackKey,
      deps.callbackKeyRules,
    )
    if (!verdict.ok) throw new CallbackUnverifiedError(verdict.reason)

    const fields = parseBody(body, header('content-type'))
    const ticket = readTicket(deps.ticketSecret, fields.ticket, Math.floor(deps.clock().getTime() / 1000))
    if (!ticket) throw new CallbackUnverifiedError('ticket')
    const object = fields.object ?? ''
    const objectMatches = ticket.prefix.endsWith('/') ? object.startsWith(ticket.prefix) && object.length > ticket.prefix.length : object === ticket.prefix
    if (!objectMatches) throw new CallbackUnverifiedError('object-outside-ticket')
    const etag = fields.etag ?? ''
    // Kept while the ticket is valid (plus clock slack): after that readTicket refuses it anyway.
    if (!(await deps.uploads.claimTicket(`${ticket.id}\u0000${object}\u0000${etag}`, ticket.expires * 1000 + 60_000))) {
      throw new CallbackReplayedError('this upload was already recorded')
    }
    const record = {
      key: object,
      size: Number(fields.size ?? 0),
      etag,
      crc64: fields.crc64 ?? '',
      mimeType: fields.mimeType ?? '',
      at: deps.clock().toISOString(),
    }
    await deps.uploads.record(ticket.user, record)
    deps.logger.info({ audit: 'upload-recorded', user: ticket.user, key: record.key, size: record.size, crc64: record.crc64 }, 'upload recorded')
    res.json({ Status: 'OK', ...record })
  })

  router.get('/v1/uploads', requireAuth(deps.verifyToken), limitPerUser(deps.userLimiter), async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.json({ uploads: await deps.uploads.list(principalOf(res).userId) })
  })
}

function parseBody(body: Buffer, contentType: string | undefined): Record<string, string | undefined> {
  const text = body.toString('utf8')
  if (contentType?.startsWith('application/json')) {
    try {
      const json = parseJsonOrThrow(text) as Record<string, unknown>
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, v === undefined || v === null ? undefined : String(v)]))
    } catch {
      return {}
    }
  }
  return Object.fromEntries(new URLSearchParams(text))
}
