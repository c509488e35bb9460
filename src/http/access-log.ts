import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Response } from 'express'
import type { Logger } from 'pino'
import { pinoHttp, type HttpLogger } from 'pino-http'
import { AuthExpiredError, AuthInvalidError } from '../errors.js'
import type { Principal } from '../grant/vend.js'
import type { Problem } from './problem.js'

/** What an error answer leaves for the access line: its code, its reason, and (if unexpected) the error. */
interface ErrorNote {
  readonly code: string
  readonly reason?: string
  /** Kept only for errors nobody expected (ERR_INTERNAL): their stack is worth a log line. */
  readonly err?: unknown
}

/** Called by the error handlers: the access line reports the error, so no second line is needed. */
export function noteError(res: Response, err: unknown, problem: Problem): void {
  const reason = (err as { reason?: unknown } | undefined)?.reason ?? authFailureReason(err)
  const note: ErrorNote = {
    code: problem.body.code,
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(problem.body.code === 'ERR_INTERNAL' ? { err } : {}),
  }
  res.locals.errorNote = note
}

/** A rejected token's stable reason (`issuer-unknown`, `claim-aud`, ...) rides on its cause, for logs only. */
function authFailureReason(err: unknown): string | undefined {
  if (!(err instanceof AuthInvalidError || err instanceof AuthExpiredError)) return undefined
  const cause = err.cause
  return cause instanceof Error && /^[a-z0-9-]{1,64}$/.test(cause.message) ? cause.message : undefined
}

/** The route template a request matched, or `unmatched`: never a raw path (it is a metric label). */
export function routeOf(req: IncomingMessage): string {
  return ((req as { route?: { path?: unknown } }).route?.path as string | undefined) ?? 'unmatched'
}

/**
 * One access line per request, at info (error for 5xx), through pino-http: method, route
 * template, status, duration, bytes, request id, user id, scope, and the error code if any.
 * The path is logged without its query (tokens travel there); stacks only for unexpected errors.
 */
export function accessLog(logger: Logger): HttpLogger {
  const line = (req: IncomingMessage, res: ServerResponse, ms: number) => {
    const locals = (res as unknown as Response).locals
    const principal = locals.principal as Principal | undefined
    const note = locals.errorNote as ErrorNote | undefined
    const length = res.getHeader('content-length')
    const query = (req as { query?: Record<string, unknown> }).query
    const body = (req as { body?: unknown }).body
    const scope = typeof query?.scope === 'string' ? query.scope : typeof (body as { scope?: unknown } | undefined)?.scope === 'string' ? (body as { scope: string }).scope : undefined
    return {
      method: req.method,
      route: routeOf(req),
      // originalUrl: an error handler mounted under a path sees req.url relative to it.
      path: ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0],
      status: res.statusCode,
      ...(length !== undefined ? { bytes: Number(length) } : {}),
      ...(principal ? { user: principal.userId } : {}),
      ...(scope ? { scope } : {}),
      ...(note ? { code: note.code, ...(note.reason ? { reason: note.reason } : {}), ...(note.err ? { err: note.err } : {}) } : {}),
      ...(res.writableFinished ? {} : { aborted: true }),
      ms,
    }
  }
  return pinoHttp({
    logger,
    // The request id is made before this middleware runs (requestContext); pino-http adopts it.
    genReqId: (req) => String((req as { id?: unknown }).id ?? ''),
    wrapSerializers: false,
    // pino-http binds the whole request to a per-request child logger; without a serializer that
    // child stringifies the IncomingMessage on every request. The line carries its own fields.
    serializers: { req: omitBinding, res: omitBinding },
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    customLogLevel: (_req, res) => (res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, res, val: { responseTime: number }) => line(req, res, val.responseTime),
    customErrorObject: (req, res, _err, val: { responseTime: number }) => line(req, res, val.responseTime),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
  })
}

const omitBinding = (): undefined => undefined
