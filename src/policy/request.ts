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

// Actions come from a small vocabulary: remember their lower-case forms (bounded, as simulate
// requests may name anything) rather than allocate one on every decision.
const lowerActions = new Map<string, string>()
const MAX_LOWER_ACTIONS = 512

/** `action.toLowerCase()`, remembered for the next decision. */
export function lowerAction(action: string): string {
  let lower = lowerActions.get(action)
  if (lower === undefined) {
    lower = action.toLowerCase()
    if (lowerActions.size < MAX_LOWER_ACTIONS) lowerActions.set(action, lower)
  }
  return lower
}

export function prepareRequest(request: AuthorizationRequest): PreparedRequest {
  return new Prepared(request)
}

/**
 * Hot path (every decision): the resource name is split and the context keys lower-cased only
 * when a statement first needs them (most decisions end on actions and resources alone).
 */
class Prepared implements PreparedRequest {
  readonly action: string
  readonly actionLower: string
  readonly resource: string
  private readonly source: RequestContext | undefined
  private lowerContext: ReadonlyMap<string, readonly string[]> | undefined
  private splitName: ResourceName | undefined | null

  constructor(request: AuthorizationRequest) {
    this.action = request.action
    this.actionLower = lowerAction(request.action)
    this.resource = request.resource
    this.source = request.context
    this.lowerContext = undefined
    this.splitName = null
  }

  get resourceName(): ResourceName | undefined {
    if (this.splitName === null) this.splitName = splitResourceName(this.resource)
    return this.splitName
  }

  get context(): ReadonlyMap<string, readonly string[]> {
    this.lowerContext ??= lowerCaseContext(this.source)
    return this.lowerContext
  }
}

function lowerCaseContext(source: RequestContext | undefined): ReadonlyMap<string, readonly string[]> {
  let context: Map<string, readonly string[]> | undefined
  if (source) {
    for (const key in source) {
      const value = source[key]
      if (value === undefined) continue
      context ??= new Map<string, readonly string[]>()
      context.set(key.toLowerCase(), typeof value === 'string' ? [value] : value)
    }
  }
  return context ?? NO_CONTEXT
}
