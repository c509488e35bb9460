import express, { type Router } from 'express'
import { CallbackReplayedError, CallbackUnverifiedError, RequestInvalidError, StoreUnavailableError, type Issue } from '../../errors.js'
import { readTicket } from '../../grant/upload-ticket.js'
import { UPLOAD_FIELD_MAX_BYTES } from '../../grant/uploads.js'
import { verifyCallback } from '../../oss/callback.js'
import { principalOf, requireAuth } from '../auth-middleware.js'
import { limitPerUser } from '../user-rate-limit.js'
import type { AppDeps } from '../deps.js'
import { parseJsonOrThrow } from '../../lib/parse-json.js'

const MAX_CALLBACK_BYTES = 64 * 1024

/** Byte bounds of the callback body's fields that ossvend reads; other fields are ignored. */
const FIELD_MAX_BYTES: Readonly<Record<string, number>> = {
  object: UPLOAD_FIELD_MAX_BYTES.key,
  size: 16,
  etag: UPLOAD_FIELD_MAX_BYTES.etag,
  crc64: UPLOAD_FIELD_MAX_BYTES.crc64,
  mimeType: UPLOAD_FIELD_MAX_BYTES.mimeType,
  bucket: 63,
  ticket: 2048,
}

/**
 * POST /v1/oss/callback: OSS's call after an upload. Nothing is recorded before the RSA signature
 * (over the raw body), the key URL's host, and the server's own ticket inside the signed callback
 * body are all verified, and the object itself, read with the server's credentials, has the size
 * and ETag the callback reports, in the ticket's bucket: a user may write the callback body (PutObject's x-oss-callback),
 * so the body is a claim, never the fact. A ticket records one upload. OSS expects JSON 200.
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
    const issues: Issue[] = Object.entries(FIELD_MAX_BYTES)
      .filter(([name, max]) => Buffer.byteLength(fields[name] ?? '') > max)
      .map(([name, max]) => ({ pointer: `/${name}`, code: 'callback.field-too-long', message: `${name} may have at most ${max} bytes` }))
    if (issues.length > 0) throw new RequestInvalidError(issues)
    const ticket = readTicket(deps.ticketSecret, fields.ticket, Math.floor(deps.clock().getTime() / 1000))
    if (!ticket) throw new CallbackUnverifiedError('ticket')
    const object = fields.object ?? ''
    const objectMatches = ticket.prefix.endsWith('/') ? object.startsWith(ticket.prefix) && object.length > ticket.prefix.length : object === ticket.prefix
    if (!objectMatches) throw new CallbackUnverifiedError('object-outside-ticket')
    // Tickets issued before they named a bucket are for the default one. OSS fills `bucket` when
    // the body asks for it; an empty or missing one claims nothing, HeadObject below decides.
    const bucket = ticket.bucket ?? deps.config.oss.bucket
    if (fields.bucket && fields.bucket !== bucket) throw new CallbackUnverifiedError('bucket-outside-ticket')

    if (!deps.headObject) throw new StoreUnavailableError('this server cannot confirm uploads against OSS')
    const head = await deps.headObject(object, bucket).catch((err: unknown) => {
      throw new StoreUnavailableError('OSS could not be asked about the uploaded object', { cause: err })
    })
    if (!head) throw new CallbackUnverifiedError('object-missing')
    if (String(head.size) !== fields.size || unquoted(head.etag) !== unquoted(fields.etag ?? '')) throw new CallbackUnverifiedError('object-mismatch')

    // One upload per ticket, kept while the ticket is valid (plus clock slack): after that readTicket refuses it anyway.
    if (!(await deps.uploads.claimTicket(ticket.id, ticket.expires * 1000 + 60_000).catch((err: unknown) => {
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError('the used tickets cannot be kept', { cause: err })
    }))) {
      throw new CallbackReplayedError('this ticket already recorded an upload')
    }
    const record = {
      key: object,
      size: head.size,
      etag: unquoted(head.etag),
      crc64: head.crc64,
      mimeType: head.contentType,
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

/** OSS quotes the ETag header and upper-cases its hex; callbacks carry it bare. */
function unquoted(etag: string): string {
  return etag.replace(/^"|"$/g, '').toUpperCase()
}

function parseBody(body: Buffer, contentType: string | undefined): Record<string, string | undefined> {
  const text = body.toString('utf8')
  const fields: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>
  if (contentType?.startsWith('application/json')) {
    try {
      const json = parseJsonOrThrow(text) as unknown
      if (json === null || typeof json !== 'object' || Array.isArray(json)) return fields
      for (const name of Object.keys(FIELD_MAX_BYTES)) {
        const v = Object.hasOwn(json, name) ? (json as Record<string, unknown>)[name] : undefined
        if (typeof v === 'string' || typeof v === 'number') fields[name] = String(v)
      }
    } catch {
      return fields
    }
    return fields
  }
  const params = new URLSearchParams(text)
  for (const name of Object.keys(FIELD_MAX_BYTES)) {
    const v = params.get(name)
    if (v !== null) fields[name] = v
  }
  return fields
}
