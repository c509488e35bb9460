import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ObjectMeta } from '../object-store.js'
import { sendCallback } from '../oss-callback-sender.js'
import { xmlDocument, xmlElements } from '../oss-xml.js'
import type { Sandbox } from './context.js'
import { OssFailure } from './failure.js'
import { CALLBACK_KEY_PATH } from './control.js'
import { sendXml } from './http-io.js'
import { parseJsonOrThrow } from '../../lib/parse-json.js'

export interface UploadCallback {
  /** The base64 `callback` parameter. */
  readonly callback: string
  /** `x:` variables. */
  readonly vars: Readonly<Record<string, string>>
  readonly operation: string
}

/** The `x-oss-callback-var` header's base64 JSON; anything unreadable counts as none. */
export function decodeCallbackVars(header: string | undefined): Record<string, string> {
  if (!header) return {}
  try {
    return parseJsonOrThrow(Buffer.from(header, 'base64').toString('utf8')) as Record<string, string>
  } catch {
    return {}
  }
}

/** Sends the callback and answers the client: its JSON on success, 203 CallbackFailed otherwise (the object stays). */
export async function answerCallback(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, bucket: string, meta: ObjectMeta, cb: UploadCallback): Promise<void> {
  const { callbackKey, selfUrl } = sandbox.options
  if (!callbackKey || !selfUrl) throw new OssFailure('NotImplemented', 'Callbacks are not configured in this sandbox.')
  const outcome = await sendCallback(
    { callback: cb.callback, vars: cb.vars, values: { bucket, object: meta.key, size: meta.size, mimeType: meta.contentType, etag: meta.etag.replaceAll('"', ''), crc64: meta.crc64, clientIp: req.socket.remoteAddress ?? '', operation: cb.operation } },
    { privateKey: callbackKey.privateKey, publicKeyUrl: `${selfUrl()}${CALLBACK_KEY_PATH}`, allowedHosts: sandbox.options.callbackHosts?.() ?? [] },
  )
  if (outcome.ok) {
    res.statusCode = 200
    res.setHeader('Content-Type', 'application/json')
    res.setHeader('Content-Length', String(Buffer.byteLength(outcome.body)))
    res.end(outcome.body)
    return
  }
  const body = xmlDocument('Error', xmlElements([['Code', 'CallbackFailed'], ['Message', 'Error status : 203.'], ['RequestId', String(res.getHeader('x-oss-request-id') ?? '')], ['Detail', outcome.reason]]))
  sendXml(res, 203, body)
}
