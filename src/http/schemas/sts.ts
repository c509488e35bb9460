import { Type, type Static } from '@sinclair/typebox'
import { AUTH_ERRORS, BODY_ERRORS, Problem, ScopeName, VEND_ERRORS, json, type OperationSpec } from './common.js'

export const StsQuery = Type.Object({
  scope: Type.Optional(ScopeName),
  access_token: Type.Optional(Type.String({ description: 'A provider token from POST /v1/sts/provider-url (or, when the server allows it, the session token), for credential providers that can only GET a URL' })),
  compat: Type.Optional(
    Type.Union([Type.Literal('mobile'), Type.Literal('http')], {
      description: '`mobile`: errors with HTTP 200 (the Android SDK reads the body only then); `http`: real statuses. Without it, providers (token in the URL, mobile SDK user agents) get the mobile form',
    }),
  ),
})
export type StsQuery = Static<typeof StsQuery>

const placementMembers = {
  Bucket: Type.String(),
  Region: Type.String(),
  Endpoint: Type.String(),
  Prefix: Type.String({ description: 'The caller\'s key prefix; every key the credentials reach starts with it' }),
  Scope: ScopeName,
}

export const StsCredentials = Type.Object(
  {
    StatusCode: Type.Literal(200),
    AccessKeyId: Type.String({ examples: ['STS.NUxxxx'] }),
    AccessKeySecret: Type.String(),
    SecurityToken: Type.String(),
    Expiration: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$', description: 'STS\'s own format, no milliseconds', examples: ['2026-01-01T12:00:00Z'] }),
    Placement: Type.Object(placementMembers, { description: 'Where to use the credentials' }),
    Bucket: Type.Optional(Type.String({ description: 'Also at the top level when the server sets sts.flatPlacement' })),
    Region: Type.Optional(Type.String()),
    Endpoint: Type.Optional(Type.String()),
    Prefix: Type.Optional(Type.String()),
    Scope: Type.Optional(ScopeName),
  },
  { title: 'StsCredentials' },
)

export const ProviderUrlBody = Type.Object(
  {
    scope: Type.Optional(ScopeName),
    ttl: Type.Optional(Type.Integer({ minimum: 60, description: 'Seconds, at most the server\'s sts.providerTokens.maxTtlSec' })),
  },
  { additionalProperties: false },
)
export type ProviderUrlBody = Static<typeof ProviderUrlBody>

export const ProviderUrlAnswer = Type.Object({
  url: Type.String({ format: 'uri', description: 'GET /v1/sts with the scope and a provider token: give it to the SDK\'s credential provider' }),
  id: Type.String(),
  scope: ScopeName,
  expiresAt: Type.String({ format: 'date-time' }),
  expiresIn: Type.Integer(),
})

/** The mobile SDKs' error fields, beside the problem members. */
const mobileErrorMembers = {
  StatusCode: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status the error would have without compat=mobile' }),
  ErrorCode: Type.String({ description: 'The same as code' }),
  ErrorMessage: Type.String(),
}

/** An /v1/sts error: a problem with the mobile SDKs' fields. */
export const StsError = Type.Composite([Problem, Type.Object(mobileErrorMembers)], { title: 'StsError' })

const example = {
  StatusCode: 200,
  AccessKeyId: 'STS.NUxxxxxxxx',
  AccessKeySecret: '(secret)',
  SecurityToken: '(secret)',
  Expiration: '2026-01-01T12:00:00Z',
  Placement: { Bucket: 'app-base-oss', Region: 'cn-hangzhou', Endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', Prefix: 'alice/', Scope: 'read-write' },
}

export const STS_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/v1/sts',
    operationId: 'getStsCredentials',
    tags: ['credentials'],
    summary: 'STS credentials scoped to the caller\'s prefix (mobile SDK format)',
    description:
      'Errors also carry StatusCode, ErrorCode and ErrorMessage. With `compat=mobile` (or the server setting `sts.mobileErrorsAsOk`) every error is answered with HTTP 200 and the same body, because the Android SDK reads the body only then: the 200 answer is one of the credentials or such an error.',
    security: 'bearer-or-query',
    query: StsQuery,
    responses: {
      '200': {
        description: 'Credentials; in mobile-compatible mode, also an error (StatusCode is then not 200)',
        headers: ['Cache-Control'],
        content: { 'application/json': { schema: Type.Unsafe({ oneOf: [StsCredentials, StsError] }), example } },
      },
    },
    errors: ['ERR_REQUEST_INVALID', ...AUTH_ERRORS, ...VEND_ERRORS],
    errorSchema: StsError,
  },
  {
    method: 'post',
    path: '/v1/sts/provider-url',
    operationId: 'createProviderUrl',
    tags: ['credentials'],
    summary: 'A GET /v1/sts URL for an SDK credential provider, carrying a narrow provider token',
    description: 'The provider token is good for GET /v1/sts and one scope only, so a session token never has to travel in a URL.',
    security: 'bearer',
    body: { required: true, content: json(ProviderUrlBody, { scope: 'read-write', ttl: 3600 }) },
    responses: { '201': { description: 'The URL', headers: ['Cache-Control'], content: json(ProviderUrlAnswer) } },
    errors: [...BODY_ERRORS, ...AUTH_ERRORS, 'ERR_SCOPE_UNKNOWN', 'ERR_SCOPE_FORBIDDEN', 'ERR_STORE_UNAVAILABLE'],
  },
  {
    method: 'delete',
    path: '/v1/sts/provider-url/{id}',
    operationId: 'revokeProviderUrl',
    tags: ['credentials'],
    summary: 'Revoke a provider URL (its token stops working)',
    security: 'bearer',
    pathParams: Type.Object({ id: Type.String() }),
    responses: { '204': { description: 'Revoked' } },
    errors: [...AUTH_ERRORS, 'ERR_NOT_FOUND', 'ERR_STORE_UNAVAILABLE'],
  },
]
