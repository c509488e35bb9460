import type { RequestHandler } from 'express'
import { RequestInvalidError } from '../errors.js'
import { createAjv, toIssues } from '../lib/ajv.js'

const ajv = createAjv()

/** Compiles a JSON Schema once and returns middleware that refuses bodies not matching it. */
export function validateBody(schema: object): RequestHandler {
  const validate = ajv.compile(schema)
  return function validateBodyMiddleware(req, _res, next) {
    if (!validate(req.body)) {
      next(new RequestInvalidError(toIssues(validate.errors)))
      return
    }
    next()
  }
}
