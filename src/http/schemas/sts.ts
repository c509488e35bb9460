import { Type, type Static } from '@sinclair/typebox'
import { AUTH_ERRORS, Problem, ScopeName, VEND_ERRORS, type OperationSpec } from './common.js'

export const StsQuery = Type.Object({
  scope: Type.Optional(ScopeName),
  access_token: Type.Optional(Type.String({ description: 'The access token, for SDK credential providers that can only GET a URL' })),
  compat: Type.Optional(Type.Literal('mobile', { description: 'Answer errors with HTTP 200 (the Android SDK reads the body only then)' })),
})
export type StsQuery = Static<typeof StsQuery>

export const StsCredentials = Type.Object(
  {
    StatusCode: Type.Literal(200),
    AccessKeyId: Type.String({ examples: ['STS.NUxxxx'] }),
    AccessKeySecret: Type.String(),
    SecurityToken: Type.String(),
    Expiration: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$', description: 'STS\'s own format, no milliseconds', examples: ['2026-01-01T12:00:00Z'] }),
    Bucket: Type.String(),
    Region: Type.String(),
    Endpoint: Type.String(),
    Prefix: Type.String({ description: 'The caller\'s key prefix; every key the credentials reach starts with it' }),
    Scope: Type.Optional(ScopeName),
  },
  { title: 'StsCredentials' },
)

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
  Bucket: 'app-base-oss',
  Region: 'cn-hangzhou',
  Endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
  Prefix: 'alice/',
  Scope: 'default',
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
]
