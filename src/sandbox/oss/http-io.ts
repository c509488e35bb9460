import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { XMLParser } from 'fast-xml-parser'
import { StoreError } from '../object-store.js'
import { OSS_ERRORS, xmlDocument, xmlElements, type OssErrorCode } from '../oss-xml.js'
import { OssFailure } from './failure.js'

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export function sendXml(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/xml')
  res.setHeader('Content-Length', String(Buffer.byteLength(body)))
  res.end(body)
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status
  res.setHeader('Content-Length', '0')
  res.end()
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.setHeader('Content-Length', String(Buffer.byteLength(body)))
  res.end(body)
}

/** OSS's XML error for a refusal; anything else is a bug and gets a bare 500. */
export function sendError(res: ServerResponse, err: unknown, requestId: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  let code: OssErrorCode
  let message: string
  let detail: string | undefined
  if (err instanceof OssFailure) {
    code = err.ossCode
    message = err.message
    detail = err.detail
  } else if (err instanceof StoreError) {
    code = err.ossCode
    message = err.message
    for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value)
  } else {
    res.statusCode = 500
    res.end()
    return
  }
  const body = xmlDocument('Error', xmlElements([['Code', code], ['Message', message], ['RequestId', requestId], ['HostId', 'sandbox'], ['Detail', detail]]))
  sendXml(res, OSS_ERRORS[code], body)
}

/** The whole body as text, refusing more than `limit` bytes. */
export function readAll(req: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(new OssFailure('MalformedXML', 'The request body is too large.'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true })

export function parseXml(text: string): unknown {
  try {
    return xml.parse(text)
  } catch {
    throw new OssFailure('MalformedXML', 'The XML you provided was not well-formed or did not validate.')
  }
}

export function toArray(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}
