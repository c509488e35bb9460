import type { RequestHandler } from 'express'
import { RequestInvalidError } from '../errors.js'
import { createAjv, toIssues } from '../lib/ajv.js'

const ajv = createAjv()

/**
 * Compiles a request schema once (the same schema object /openapi.json is generated from, see
 * schemas/) and returns middleware that refuses bodies not matching it; with `optional`, no body
 * at all is also fine.
 */
export function validateBody(schema: object, options: { optional?: boolean } = {}): RequestHandler {
  const validate = ajv.compile(schema)
  return function validateBodyMiddleware(req, _res, next) {
    // An optional body may be absent altogether (express leaves req.body undefined then).
    if (options.optional && req.body === undefined) {
      next()
      return
    }
    if (!validate(req.body)) {
      next(new RequestInvalidError(toIssues(validate.errors)))
      return
    }
    next()
  }
}

/** The same for the query string; issue pointers start with /query. */
export function validateQuery(schema: object): RequestHandler {
  const validate = ajv.compile(schema)
  return function validateQueryMiddleware(req, _res, next) {
    if (!validate(req.query)) {
      next(new RequestInvalidError(toIssues(validate.errors).map((i) => ({ ...i, pointer: `/query${i.pointer}` }))))
      return
    }
    next()
  }
}
