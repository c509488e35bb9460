import type { Express } from 'express'

/**
 * `req.query` parsed once per request. express 5 defines it as a getter that parses the URL's
 * query string again on every read, and GET /v1/sts reads it four times (authentication,
 * validation, the handler, the access line). The first read here runs express's own getter (so
 * the app's "query parser" setting still decides) and keeps its result for that request, a
 * read-only value as under express's getter (which has no setter). Nothing in ossvend rewrites a
 * request's query string, and ajv (no coercion, no defaults) does not change the object.
 */
export function parseQueryOnce(app: Express): void {
  const parse = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(app.request) as object, 'query')?.get
  if (parse === undefined) return
  // Kept beside the request rather than defined on it: defining a property on every request costs
  // more than parsing "scope=read".
  const parsed = new WeakMap<object, unknown>()
  Object.defineProperty(app.request, 'query', {
    configurable: true,
    enumerable: true,
    get(this: object): unknown {
      // express's parsers always answer an object, so undefined means "not parsed yet".
      const known = parsed.get(this)
      if (known !== undefined) return known
      const value: unknown = parse.call(this)
      parsed.set(this, value)
      return value
    },
  })
}
