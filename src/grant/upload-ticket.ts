import { createHmac, timingSafeEqual } from 'node:crypto'
import { parseJsonOrThrow } from '../lib/parse-json.js'

/**
 * A ticket the server puts in an upload's callback variables (`x:ticket`): who may upload, under
 * which key prefix, until when, signed by the server. OSS relays it to the callback, so the
 * callback handler learns the owner from the server's own word, never from client variables.
 */
export interface UploadTicket {
  readonly id: string
  readonly user: string
  readonly prefix: string
  /** Epoch seconds. */
  readonly expires: number
  /** The bucket of the upload; tickets issued before buckets were recorded have none (the default bucket). */
  readonly bucket?: string
}

export function createTicket(secret: Buffer, ticket: UploadTicket): string {
  const fields = [ticket.id, ticket.user, ticket.prefix, ticket.expires, ...(ticket.bucket !== undefined ? [ticket.bucket] : [])]
  const payload = Buffer.from(JSON.stringify(fields)).toString('base64url')
  const mac = createHmac('sha256', secret).update(payload).digest('base64url')
  return `${payload}.${mac}`
}

/** Returns the ticket if its MAC is the server's and it has not expired; undefined otherwise. */
export function readTicket(secret: Buffer, text: string | undefined, nowSec: number): UploadTicket | undefined {
  if (!text) return undefined
  const [payload, mac] = text.split('.')
  if (!payload || !mac) return undefined
  const expected = createHmac('sha256', secret).update(payload).digest()
  const given = Buffer.from(mac, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    const [id, user, prefix, expires, bucket] = parseJsonOrThrow(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, string, number, unknown]
    if (typeof expires !== 'number' || expires < nowSec) return undefined
    return { id, user, prefix, expires, ...(typeof bucket === 'string' ? { bucket } : {}) }
  } catch {
    return undefined
  }
}
