import type { ErrorCode } from '../errors.js'
import { PROBLEMS } from './problem.js'
import { AREAS_OPERATIONS } from './schemas/areas.js'
import { Problem, type OperationSpec, type ResponseSpec } from './schemas/common.js'
import { LOGIN_OPERATIONS } from './schemas/login.js'
import { META_OPERATIONS } from './schemas/meta.js'
import { SIGN_OPERATIONS } from './schemas/sign.js'
import { SIMULATE_OPERATIONS } from './schemas/simulate.js'
import { STS_OPERATIONS } from './schemas/sts.js'
import { UPLOAD_OPERATIONS } from './schemas/uploads.js'

/** Every operation the server answers, in the order the reference lists them. */
export const OPERATIONS: readonly OperationSpec[] = [
  ...LOGIN_OPERATIONS,
  ...STS_OPERATIONS,
  ...AREAS_OPERATIONS,
  ...SIGN_OPERATIONS,
  ...UPLOAD_OPERATIONS,
  ...SIMULATE_OPERATIONS,
  ...META_OPERATIONS,
]

const HEADERS = {
  'X-Request-Id': {
    description: 'The request id: the caller\'s own X-Request-Id when valid (1-128 characters of A-Z a-z 0-9 . _ : -), else the trace id of a valid traceparent, else one the server made. Also in error bodies and the access log.',
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
  'WWW-Authenticate': { description: 'An RFC 6750 challenge: `Bearer realm="ossvend"` without a token, with `error="invalid_token"` (and an `error_description`) when the token was refused', schema: { type: 'string', pattern: '^Bearer realm="ossvend"' } },
  'Cache-Control': { description: '`no-store`: the answer holds credentials or tokens', schema: { type: 'string' } },
  'Content-Security-Policy': { description: 'The page\'s own policy', schema: { type: 'string' } },
} as const

/** Copies a TypeBox schema into plain JSON (TypeBox marks its schemas with symbols). */
const plain = (schema: unknown): unknown => structuredClone(schema)

function responseObject(spec: ResponseSpec): object {
  const headers: Record<string, object> = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } }
  for (const name of spec.headers ?? []) headers[name] = { $ref: `#/components/headers/${name}` }
  return {
    description: spec.description,
    headers,
    ...(spec.content
      ? { content: Object.fromEntries(Object.entries(spec.content).map(([media, m]) => [media, { schema: plain(m.schema), ...(m.example !== undefined ? { example: m.example } : {}) }])) }
      : {}),
  }
}

function errorResponses(op: OperationSpec): Record<string, object> {
  const codes = [...new Set<ErrorCode>([...(op.errors ?? []), 'ERR_INTERNAL'])]
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code])
  const schema = op.errorSchema ? plain(op.errorSchema) : { $ref: '#/components/schemas/Problem' }
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => {
      const headers: ResponseSpec['headers'] = [
        ...(status === 429 || status === 503 ? (['Retry-After'] as const) : []),
        ...(list.some((c) => c.startsWith('ERR_AUTH_') || c === 'ERR_IDP_UNAVAILABLE') ? (['WWW-Authenticate'] as const) : []),
      ]
      const first = list[0] as ErrorCode
      const example = { type: `tag:ossvend,2026:problem:${first.slice(4).toLowerCase().replaceAll('_', '-')}`, title: PROBLEMS[first].title, status, code: first, instance: op.path, requestId: '3f2c1a9e-5b7d-4c1e-9a0b-000000000001' }
      const response = responseObject({ description: list.join(', '), headers })
      return [String(status), { ...response, content: { 'application/problem+json': { schema, example } } }]
    }),
  )
}

const SECURITY = {
  public: [],
  bearer: [{ bearer: [] }],
  'bearer-or-query': [{ bearer: [] }, { accessTokenQuery: [] }],
} as const

function operationObject(op: OperationSpec): object {
  const parameters: object[] = []
  const addParameters = (where: 'query' | 'path', schema: unknown) => {
    const s = schema as { properties?: Record<string, { description?: string }>; required?: string[] }
    for (const [name, property] of Object.entries(s.properties ?? {})) {
      const { description, ...rest } = plain(property) as { description?: string }
      parameters.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest })
    }
  }
  if (op.pathParams) addParameters('path', op.pathParams)
  if (op.query) addParameters('query', op.query)
  return {
    operationId: op.operationId,
    tags: op.tags,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: SECURITY[op.security],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required,
            content: Object.fromEntries(Object.entries(op.body.content).map(([media, m]) => [media, { schema: plain(m.schema), ...(m.example !== undefined ? { example: m.example } : {}) }])),
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(Object.entries(op.responses).map(([status, spec]) => [status, responseObject(spec)])),
      ...(op.errors ? errorResponses(op) : {}),
    },
  }
}

/** The OpenAPI 3.1 description of the HTTP API, generated from the schemas the routes validate with. */
export function buildOpenApiDocument(operations: readonly OperationSpec[] = OPERATIONS): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {}
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op)
  return {
    openapi: '3.1.0',
    info: {
      title: 'ossvend',
      version: '1',
      description:
        'Per-user scoped STS credentials, signed URLs and upload forms for Alibaba Cloud OSS. Errors are RFC 9457 problem+json with a stable `code`. Object keys are always full OSS keys: they start with the caller\'s prefix (the `Prefix` of /v1/sts).',
    },
    servers: [{ url: '/', description: 'The server this document was fetched from' }],
    tags: [
      { name: 'auth', description: 'Access tokens' },
      { name: 'credentials', description: 'Temporary STS credentials for OSS SDKs' },
      { name: 'signing', description: 'Signed URLs and browser upload forms' },
      { name: 'uploads', description: 'Upload callbacks and the record of uploads' },
      { name: 'policy', description: 'The policy engine' },
      { name: 'operations', description: 'Health, metrics and this document' },
      { name: 'web', description: 'The upload page' },
    ],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from POST /v1/login' },
        accessTokenQuery: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The same token as a query parameter, for SDK credential providers that can only GET a URL (GET /v1/sts only)' },
      },
      headers: HEADERS,
      schemas: { Problem: plain(Problem) },
    },
    paths,
  }
}
