import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import { NotFoundError, UnsupportedMediaTypeError } from '../errors.js'
import { verifyJsonBody } from '../lib/parse-json.js'
import { tracer } from '../lib/tracing.js'
import { accessLog, noteError, routeOf, type AccessLog } from './access-log.js'
import { chain } from './chain.js'
import { corsAllowlist } from './cors.js'
import { apiHeaders } from './security-headers.js'
import type { AppDeps } from './deps.js'
import { buildOpenApiDocument } from './openapi.js'
import { toProblem } from './problem.js'
import { parseQueryOnce } from './query-once.js'
import { requestIds } from './request-id.js'
import { docsRoutes } from './routes/docs.js'
import { healthRoutes } from './routes/health.js'
import { loginRoutes } from './routes/login.js'
import { simulateRoutes } from './routes/simulate.js'
import { areasRoutes } from './routes/areas.js'
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
  parseQueryOnce(app)
  const accessLines = accessLog(deps.logger)
  const parseJson = express.json({ limit: deps.config.server.bodyLimitBytes, strict: true, inflate: false, type: 'application/json', verify: verifyJsonBody })
  // What every request goes through, as one router layer (see chain).
  app.use(
    chain([
      requestContext(deps, accessLines),
      accessLines.everyRequest,
      apiHeaders(),
      corsAllowlist(deps.config.server.corsOrigins),
      function jsonBodiesOnPost(req, res, next) {
        // The callback route reads its raw body: its signature covers the exact bytes.
        if (req.method !== 'POST' || req.path === '/v1/oss/callback') next()
        else if (hasBody(req) && !req.is('application/json')) next(new UnsupportedMediaTypeError('send the body as application/json'))
        else parseJson(req, res, next)
      },
    ]),
  )

  // The credential route first: it is the one mobile apps call all day.
  stsRoutes(deps, app)
  signRoutes(deps, app)
  callbackRoutes(deps, app)
  loginRoutes(deps, app)
  simulateRoutes(deps, app)
  areasRoutes(deps, app)
  healthRoutes(deps, app)
  webRoutes(deps, app)
  const openapi = JSON.stringify(buildOpenApiDocument())
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openapi)
  })
  docsRoutes(app)

  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)))
  app.use(errorHandler())
  return app
}

function hasBody(req: express.Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')
}

/**
 * Request id (adopted or made, echoed in X-Request-Id), the inbound span, and the HTTP metrics.
 * The `route` label is the route template or `unmatched`, never a raw path.
 */
function requestContext(deps: AppDeps, accessLines: AccessLog): RequestHandler {
  // prom-client hashes label sets on every call; children per label set are resolved once.
  const counters = new Map<string, { inc(): void }>()
  const histograms = new Map<string, { observe(v: number): void }>()
  const count = (route: string, method: string, status: string) => {
    const key = `${route} ${method} ${status}`
    let child = counters.get(key)
    if (!child) counters.set(key, (child = deps.metrics.httpRequestsChild({ route, method, status })))
    child.inc()
  }
  const observe = (route: string, seconds: number) => {
    let child = histograms.get(route)
    if (!child) histograms.set(route, (child = deps.metrics.httpDuration.labels({ route })))
    child.observe(seconds)
  }
  const nextId = requestIds()
  // Only the methods the API answers become labels; anything else is counted as OTHER.
  const methods = new Set(['GET', 'HEAD', 'POST', 'OPTIONS'])
  // A proxy for whichever tracer provider is registered, now or later: one for every request.
  const serverTracer = tracer()
  return function requestContextMiddleware(req, res, next) {
    const started = process.hrtime.bigint()
    const requestId = nextId(req.headers)
    res.locals.requestId = requestId
    res.locals.startedAt = started
    res.setHeader('X-Request-Id', requestId)
    if (deps.health.draining) res.setHeader('Connection', 'close')
    const parent = propagation.extract(context.active(), req.headers)
    const span = serverTracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'ossvend.request_id': requestId } }, parent)
    // A response closes once.
    res.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const route = routeOf(req)
      const method = methods.has(req.method) ? req.method : 'OTHER'
      count(route, method, String(res.statusCode))
      observe(route, seconds)
      if (route === '/v1/oss/callback' && req.method === 'POST') {
        const note = res.locals.errorNote as { code: string; reason?: string } | undefined
        deps.metrics.uploadCallbacks.inc(res.statusCode === 200 ? { result: 'verified', reason: 'none' } : { result: 'refused', reason: note?.reason ?? note?.code ?? 'unknown' })
      }
      span.updateName(`${req.method} ${route}`)
      span.setAttribute('http.route', route)
      span.setAttribute('http.response.status_code', res.statusCode)
      if (res.statusCode >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR })
        accessLines.serverError(req, res)
      }
      span.end()
    })
    context.with(trace.setSpan(parent, span), next)
  }
}

/** The only place that writes error bodies: RFC 9457 problem+json with a stable code. */
function errorHandler(): ErrorRequestHandler {
  return function errorHandlerMiddleware(err, req, res, _next) {
    const requestId = String(res.locals.requestId ?? '')
    const problem = toProblem(err, req.originalUrl.split('?')[0] ?? req.path, requestId)
    noteError(res, err, problem)
    for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v)
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body))
  }
}
