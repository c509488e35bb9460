import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import helmet from 'helmet'
import { randomUUID } from 'node:crypto'
import { NotFoundError } from '../errors.js'
import { corsAllowlist } from './cors.js'
import type { AppDeps } from './deps.js'
import { OPENAPI_DOCUMENT } from './openapi.js'
import { toProblem } from './problem.js'
import { healthRoutes } from './routes/health.js'
import { loginRoutes } from './routes/login.js'
import { simulateRoutes } from './routes/simulate.js'
import { stsRoutes } from './routes/sts.js'

/** Builds the express app from its dependencies; it never listens (tests drive it with supertest). */
export function createApp(deps: AppDeps): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', deps.config.server.trustProxy)
  app.use(requestContext(deps))
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }))
  app.use(corsAllowlist(deps.config.server.corsOrigins))
  app.use(express.json({ limit: deps.config.server.bodyLimitBytes, strict: true, inflate: false }))

  app.use(healthRoutes(deps))
  app.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT)
  })
  app.use(loginRoutes(deps))
  app.use(stsRoutes(deps))
  app.use(simulateRoutes(deps))

  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)))
  app.use(errorHandler(deps))
  return app
}

/** Request id, access log and metrics; the URL is logged without its query (tokens travel there). */
function requestContext(deps: AppDeps): RequestHandler {
  return function requestContextMiddleware(req, res, next) {
    const started = process.hrtime.bigint()
    const requestId = randomUUID()
    res.locals.requestId = requestId
    res.setHeader('X-Request-Id', requestId)
    if (deps.health.draining) res.setHeader('Connection', 'close')
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const route = (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : req.path)
      deps.metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) })
      deps.metrics.httpDuration.observe({ route }, seconds)
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
