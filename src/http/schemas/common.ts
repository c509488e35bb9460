import { Type, type TSchema } from '@sinclair/typebox'
import type { ErrorCode } from '../../errors.js'
import { PROBLEMS } from '../problem.js'

/**
 * The contract's building blocks. Each route family describes its operations in a file beside this
 * one; the same schema objects validate requests (ajv) and are written into /openapi.json, so the
 * two cannot drift. TypeBox builds plain JSON Schema (what ajv compiles and OpenAPI 3.1 embeds)
 * and gives each schema its static TypeScript type.
 */

export const ScopeName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'A scope name from the server\'s policy templates', examples: ['default'] })

/** A full OSS object key, as OSS and its SDKs write it: it starts with the caller's prefix. */
export const ObjectKey = Type.String({ minLength: 1, maxLength: 2048, description: 'A full object key (it starts with the caller\'s prefix); at most 1,023 bytes of UTF-8', examples: ['alice/photos/cat.png'] })

export const ProblemIssue = Type.Object({
  pointer: Type.String({ description: 'JSON Pointer to the offending member' }),
  code: Type.String({ description: 'Stable issue code' }),
  detail: Type.String(),
})

const problemProperties = {
  type: Type.String({ examples: ['tag:ossvend,2026:problem:request-invalid'] }),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.Optional(Type.String()),
  code: Type.Unsafe<ErrorCode>({ type: 'string', enum: Object.keys(PROBLEMS) }),
  instance: Type.String({ description: 'The request path (never its query)' }),
  requestId: Type.String({ description: 'The same as the X-Request-Id header' }),
  errors: Type.Optional(Type.Array(ProblemIssue)),
  reason: Type.Optional(Type.String({ description: 'The policy engine\'s reason code (ERR_ACCESS_DENIED only)' })),
}

/** RFC 9457 problem details: every error ossvend answers. */
export const Problem = Type.Object(problemProperties, { title: 'Problem' })

export interface MediaSpec {
  readonly schema: TSchema
  readonly example?: unknown
}

export interface ResponseSpec {
  readonly description: string
  /** Media type to schema; absent for empty bodies. */
  readonly content?: Readonly<Record<string, MediaSpec>>
  /** Names of components.headers beside X-Request-Id (which every answer carries). */
  readonly headers?: readonly ('Retry-After' | 'WWW-Authenticate' | 'Cache-Control' | 'Content-Security-Policy')[]
}

export type Security = 'public' | 'bearer' | 'bearer-or-query'

/** One operation of the API: what validates its input and what it may answer. */
export interface OperationSpec {
  readonly method: 'get' | 'post' | 'delete'
  /** OpenAPI path template (`{name}` for parameters). */
  readonly path: string
  readonly operationId: string
  readonly tags: readonly string[]
  readonly summary: string
  readonly description?: string
  readonly security: Security
  readonly query?: TSchema
  readonly pathParams?: TSchema
  readonly body?: { readonly required: boolean; readonly content: Readonly<Record<string, MediaSpec>> }
  readonly responses: Readonly<Record<string, ResponseSpec>>
  /** Error codes the operation may answer, grouped into problem+json responses by status. */
  readonly errors?: readonly ErrorCode[]
  /** The error body's schema when it is more than a problem (the /v1/sts mobile fields). */
  readonly errorSchema?: TSchema
}

/** Every authenticated route may answer these, on top of its own. */
export const AUTH_ERRORS: readonly ErrorCode[] = ['ERR_AUTH_REQUIRED', 'ERR_AUTH_INVALID', 'ERR_AUTH_EXPIRED', 'ERR_IDP_UNAVAILABLE', 'ERR_RATE_LIMITED']
/** Every JSON body route may answer these. */
export const BODY_ERRORS: readonly ErrorCode[] = ['ERR_REQUEST_INVALID', 'ERR_REQUEST_MALFORMED', 'ERR_PAYLOAD_TOO_LARGE', 'ERR_UNSUPPORTED_MEDIA_TYPE']
/** Vending credentials (directly or to sign with them) may answer these. */
export const VEND_ERRORS: readonly ErrorCode[] = ['ERR_SCOPE_UNKNOWN', 'ERR_SCOPE_FORBIDDEN', 'ERR_TEMPLATE_VALUE', 'ERR_CLAIM_UNUSABLE', 'ERR_STS_UPSTREAM', 'ERR_STS_UNAVAILABLE', 'ERR_INTERNAL']

export const json = (schema: TSchema, example?: unknown): Readonly<Record<string, MediaSpec>> => ({ 'application/json': example === undefined ? { schema } : { schema, example } })
