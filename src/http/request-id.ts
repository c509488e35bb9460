import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { sequentialIds } from '../lib/sequential-ids.js'

/** What an incoming X-Request-Id may hold to be adopted: short, and nothing a log line could trip on. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
/** W3C traceparent, version 00: the trace id (not all zeros) becomes the request id. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/

/**
 * Makes request ids: the caller's X-Request-Id when valid, else the trace id of a valid
 * traceparent, else a new one (a random per-process prefix and a counter: unique, and cheaper
 * than a UUID each).
 */
export function requestIds(): (headers: IncomingHttpHeaders) => string {
  const newId = sequentialIds(randomUUID().slice(0, 18), 12)
  return (headers) => {
    const given = headers['x-request-id']
    if (typeof given === 'string' && REQUEST_ID.test(given)) return given
    const parent = headers.traceparent
    const match = typeof parent === 'string' ? TRACEPARENT.exec(parent) : null
    if (match && !/^0+$/.test(match[1] as string) && !/^0+$/.test(match[2] as string)) return match[1] as string
    return newId()
  }
}
