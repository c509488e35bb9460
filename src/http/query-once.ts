import type { Express } from 'express'

/**
 * `req.query` parsed once per request. express 5 defines it as a getter that parses the URL's
 * query string again on every read, and GET /v1/sts reads it four times (authentication,
 * validation, the handler, the access line). The first read here runs express's own getter (so
 * the app's "query parser" setting still decides) and keeps its result on the request as a
 * read-only property, as the getter, which has no setter, was. Nothing in ossvend rewrites a
 * request's query string, and ajv (no coercion, no defaults) does not change the object.
 */
export function parseQueryOnce(app: Express): void {
  const parse = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(app.request) as object, 'query')?.get
  if (parse === undefined) return
  Object.defineProperty(app.request, 'query', {
    configurable: true,
    enumerable: true,
    get(this: object): unknown {
      const value: unknown = parse.call(this)
      Object.defineProperty(this, 'query', { value, configurable: true, enumerable: true, writable: false })
      return value
    },
  })
}
