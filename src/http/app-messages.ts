import { IncomingMessage, ServerResponse } from 'node:http'
import type express from 'express'

type MessageClasses = { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse }
type Initialiser = (this: unknown, ...args: unknown[]) => unknown

/** Node's constructors are plain functions (not classes), so a subtype can run them on `this`. */
const callable = (ctor: unknown) => typeof ctor === 'function' && !/^class\b/.test(Function.prototype.toString.call(ctor))

/**
 * Request and response classes whose instances are born with the app's prototypes (`app.request`,
 * `app.response`), for `http.createServer({ ...appMessageClasses(app) }, app)`.
 *
 * Express gives every request and response its prototypes with `Object.setPrototypeOf` as it
 * enters the app. Changing a live object's prototype sends V8's property lookups on it, in
 * express and in Node's own http code, down slow paths: about 55 us of CPU per request here,
 * half of a bare express answer. Setting the same prototype again is a no-op, so with these
 * classes express's step changes nothing, and every request and response behaves as before
 * (same prototype chain, still instances of IncomingMessage and ServerResponse).
 *
 * The objects are made by `new`, then initialised by Node's constructor called on them: building
 * them with `Reflect.construct` and a different `new.target` costs more than it saves. Where the
 * runtime's constructors are classes (not the case in Node 20 to 24), the defaults are kept.
 */
export function appMessageClasses(app: express.Express): Partial<MessageClasses> {
  if (!callable(IncomingMessage) || !callable(ServerResponse)) return {}
  return { IncomingMessage: bornWith(IncomingMessage, app.request), ServerResponse: bornWith(ServerResponse, app.response) }
}

/** A constructor that makes `prototype`'s objects and has Node's `ctor` initialise them. */
function bornWith<T>(ctor: T, prototype: object): T {
  const init = ctor as unknown as Initialiser
  // A constructor that returns an object of its own (none of Node's do) is let have its way.
  function Born(this: unknown, ...args: unknown[]): unknown {
    return init.apply(this, args) ?? this
  }
  Born.prototype = prototype
  return Born as unknown as T
}
