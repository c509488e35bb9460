import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import { randomUUID } from 'node:crypto'
import { NotFoundError } from '../errors.js'
import { verifyJsonBody } from '../lib/parse-json.js'
import { corsAllowlist } from './cors.js'
import { securityHeaders } from './security-headers.js'
import type { AppDeps } from './deps.js'
import { OPENAPI_DOCUMENT } from './openapi.js'
import { toProblem } from './problem.js'
import { healthRoutes } from './routes/health.js'
import { loginRoutes } from './routes/login.js'
import { simulateRoutes } from './routes/simulate.js'
import { stsRoutes } from './routes/sts.js'
import { webRoutes } from './routes/web.js'
import { signRoutes } from './routes/sign.js'
import { callbackRoutes } from './routes/oss-callback.js'

/** Builds the express app from its dependencies; it never listens (tests drive it with supertest). */
export function createApp(deps: AppDeps): express.Express {
  const app = express()
  app.disable('x-powered-by')
  // Credentials are no-store; an ETag would only cost a SHA-1 of every body.
  app.set('etag', false)
  app.set('trust proxy', deps.config.server.trustProxy)
  app.use(requestContext(deps))
  app.use(securityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }))
  app.use(corsAllowlist(deps.config.server.corsOrigins))
  const parseJson = express.json({ limit: deps.config.server.bodyLimitBytes, strict: true, inflate: false, verify: verifyJsonBody })
  app.use(function jsonBodiesOnPost(req, res, next) {
    // The callback route reads its raw body: its signature covers the exact bytes.
    if (req.method === 'POST' && req.path !== '/v1/oss/callback') parseJson(req, res, next)
    else next()
  })

  // The credential route first: it is the one mobile apps call all day.
  stsRoutes(deps, app)
  signRoutes(deps, app)
  callbackRoutes(deps, app)
  loginRoutes(deps, app)
  simulateRoutes(deps, app)
  healthRoutes(deps, app)
  webRoutes(deps, app)
  app.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT)
  })

  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)))
  app.use(errorHandler(deps))
  return app
}

/** Request id, access log and metrics; the URL is logged without its query (tokens travel there). */
function requestContext(deps: AppDeps): RequestHandler {
  // prom-client hashes label sets on every call; children per label set are resolved once.
  const counters = new Map<string, { inc(): void }>()
  const histograms = new Map<string, { observe(v: number): void }>()
  const count = (route: string, method: string, status: string) => {
    const key = `${route} ${method} ${status}`
    let child = counters.get(key)
    if (!child) counters.set(key, (child = deps.metrics.httpRequests.labels({ route, method, status })))
    child.inc()
  }
  const observe = (route: string, seconds: number) => {
    let child = histograms.get(route)
    if (!child) histograms.set(route, (child = deps.metrics.httpDuration.labels({ route })))
    child.observe(seconds)
  }
  // Request ids: a random per-process prefix and a counter; unique, and cheaper than a UUID each.
  const idPrefix = randomUUID().slice(0, 18)
  let sequence = 0
  return function requestContextMiddleware(req, res, next) {
    const started = process.hrtime.bigint()
    const requestId = `${idPrefix}${(sequence++).toString(16).padStart(12, '0')}`
    res.locals.requestId = requestId
    res.setHeader('X-Request-Id', requestId)
    if (deps.health.draining) res.setHeader('Connection', 'close')
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const route = (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : req.path)
      count(route, req.method, String(res.statusCode))
      observe(route, seconds)
      deps.logger.debug({ requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request')
    })
    next()
  }
}

/** The only place that writes error bodies: RFC 9457 problem+json with a stable code. */
function errorHandler(deps: AppDeps): ErrorRequestHandler {
  return function errorHandlerMiddleware(err, req, res, _next) {
    const requestId = String(res.locals.requestId ?? '')
    const problem = toProblem(err, req.originalUrl.split('?')[0] ?? req.path, requestId)
    if (problem.status >= 500) deps.logger.error({ err, code: problem.body.code, requestId }, 'request failed')
    else deps.logger.info({ code: problem.body.code, requestId, reason: (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : undefined }, 'request refused')
    for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v)
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body))
  }
}
