import { splitResourceName, type ResourceName } from './resource.js'
import type { RequestContext } from './types.js'

/** One (action, resource) question put to the engine, with its condition context. */
export interface AuthorizationRequest {
  /** e.g. `oss:GetObject`; compared case-insensitively. */
  readonly action: string
  /** The request's concrete ARN, e.g. `acs:oss:cn-hangzhou:1234:app-base-oss/user1/a.txt`. */
  readonly resource: string
  readonly context?: RequestContext
}

/** A request made ready for matching once, however many statements it meets. */
export interface PreparedRequest {
  readonly action: string
  readonly actionLower: string
  readonly resource: string
  readonly resourceName: ResourceName | undefined
  /** Condition keys lower-cased (RAM key names are case-insensitive), values as lists. */
  readonly context: ReadonlyMap<string, readonly string[]>
}

const NO_CONTEXT: ReadonlyMap<string, readonly string[]> = new Map()

export function prepareRequest(request: AuthorizationRequest): PreparedRequest {
  let context = NO_CONTEXT
  if (request.context) {
    const map = new Map<string, readonly string[]>()
    for (const key in request.context) {
      const value = request.context[key]
      if (value === undefined) continue
      map.set(key.toLowerCase(), typeof value === 'string' ? [value] : value)
    }
    context = map
  }
  return {
    action: request.action,
    actionLower: request.action.toLowerCase(),
    resource: request.resource,
    resourceName: splitResourceName(request.resource),
    context,
  }
}
