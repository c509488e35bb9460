import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler, Response } from 'express'
import morgan from 'morgan'
import type { Logger } from 'pino'
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

/** The access lines of an app: `everyRequest` early in the chain, `serverError` when a response closes. */
export interface AccessLog {
  readonly everyRequest: RequestHandler
  /** A response closed with a 5xx: its line is made sure of even when `info` lines are off. */
  readonly serverError: (req: IncomingMessage, res: ServerResponse) => void
}

/**
 * One access line per request, at info (error for 5xx), through morgan (express's own access
 * logger, which waits for the response to finish or the client to go): the line is written by
 * pino, with request id, method, route template, status, duration from the request's start,
 * bytes, user id, scope, and the error code if any. The path is logged without its query (tokens
 * travel there); stacks only for unexpected errors.
 * Hooking a response and writing its line cost about as much as the rest of a warm
 * `GET /v1/sts`, so while the logger's level is above `info` (only 5xx lines could be written)
 * requests are not hooked, and a 5xx response is hooked when it closes (morgan then logs it at once).
 */
export function accessLog(logger: Logger): AccessLog {
  const line = (req: IncomingMessage, res: ServerResponse) => {
    const locals = (res as unknown as Response).locals
    const principal = locals.principal as Principal | undefined
    const note = locals.errorNote as ErrorNote | undefined
    const length = res.getHeader('content-length')
    const query = (req as { query?: Record<string, unknown> }).query
    const body = (req as { body?: unknown }).body
    const scope = typeof query?.scope === 'string' ? query.scope : typeof (body as { scope?: unknown } | undefined)?.scope === 'string' ? (body as { scope: string }).scope : undefined
    // Set by the request context, which runs first: the line counts from the request's arrival.
    const started = locals.startedAt as bigint | undefined
    return {
      requestId: locals.requestId as string | undefined,
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
      ...(started !== undefined ? { ms: Math.round(Number(process.hrtime.bigint() - started) / 1e3) / 1e3 } : {}),
    }
  }
  // morgan writes what its format function returns; this one writes through pino itself (levels,
  // redaction, the JSON shape of every other line) and returns null, which morgan skips.
  const hook = morgan<IncomingMessage, ServerResponse>((_tokens, req, res) => {
    const level = res.statusCode >= 500 ? 'error' : 'info'
    if (logger.isLevelEnabled(level)) logger[level](line(req, res), 'request')
    return null
  })
  const hooked = new WeakSet<ServerResponse>()
  const ignore = () => undefined
  return {
    everyRequest(req, res, next) {
      if (!logger.isLevelEnabled('info')) {
        next()
        return
      }
      hooked.add(res)
      hook(req, res, next)
    },
    serverError(req, res) {
      if (hooked.has(res) || !logger.isLevelEnabled('error')) return
      hooked.add(res)
      hook(req, res, ignore)
    },
  }
}
