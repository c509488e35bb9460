import { PROBLEMS } from './problem.js'

const problem = { $ref: '#/components/schemas/Problem' }
const errorResponses = (codes: (keyof typeof PROBLEMS)[]) =>
  Object.fromEntries(
    [...new Set(codes.map((c) => PROBLEMS[c].status))].map((status) => [
      String(status),
      {
        description: codes.filter((c) => PROBLEMS[c].status === status).join(', '),
        content: { 'application/problem+json': { schema: problem } },
      },
    ]),
  )

/** The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'ossvend', version: '1', description: 'Per-user scoped STS credentials, signed URLs and upload forms for Alibaba Cloud OSS.' },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'code', 'requestId'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { enum: Object.keys(PROBLEMS) },
          instance: { type: 'string' },
          requestId: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, detail: { type: 'string' } } } },
        },
      },
    },
  },
  paths: {
    '/v1/login': {
      post: {
        summary: 'Sign in with a built-in user',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } } } },
        },
        responses: {
          '200': {
            description: 'An access token',
            content: { 'application/json': { schema: { type: 'object', properties: { accessToken: { type: 'string' }, tokenType: { const: 'Bearer' }, expiresIn: { type: 'integer' } } } } },
          },
          ...errorResponses(['ERR_REQUEST_INVALID', 'ERR_LOGIN_FAILED', 'ERR_LOGIN_THROTTLED', 'ERR_PAYLOAD_TOO_LARGE', 'ERR_STORE_UNAVAILABLE']),
        },
      },
    },
    '/v1/sts': {
      get: {
        summary: 'STS credentials scoped to the caller\'s prefix (mobile SDK format)',
        security: [{ bearer: [] }],
        parameters: [
          { name: 'scope', in: 'query', schema: { type: 'string' } },
          { name: 'access_token', in: 'query', schema: { type: 'string' }, description: 'For SDK providers that can only GET a URL' },
          { name: 'compat', in: 'query', schema: { const: 'mobile' }, description: 'Answer errors with HTTP 200 (the Android SDK reads the body only then)' },
        ],
        responses: {
          '200': {
            description: 'Credentials',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['StatusCode', 'AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration', 'Bucket', 'Region', 'Endpoint', 'Prefix'],
                  properties: {
                    StatusCode: { const: 200 },
                    AccessKeyId: { type: 'string' },
                    AccessKeySecret: { type: 'string' },
                    SecurityToken: { type: 'string' },
                    Expiration: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
                    Bucket: { type: 'string' },
                    Region: { type: 'string' },
                    Endpoint: { type: 'string' },
                    Prefix: { type: 'string' },
                    Scope: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errorResponses(['ERR_REQUEST_INVALID', 'ERR_AUTH_REQUIRED', 'ERR_SCOPE_FORBIDDEN', 'ERR_STS_UPSTREAM', 'ERR_STS_UNAVAILABLE', 'ERR_INTERNAL']),
        },
      },
    },
    '/v1/simulate': {
      post: {
        summary: 'Decide an OSS operation against the caller\'s scoped policy, with the trace',
        security: [{ bearer: [] }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['operation'] } } } },
        responses: { '200': { description: 'The decision and the trace of each check' }, ...errorResponses(['ERR_REQUEST_INVALID', 'ERR_OPERATION_INVALID', 'ERR_AUTH_REQUIRED']) },
      },
    },
    '/v1/sign/url': {
      post: {
        summary: 'A signed URL for one object, after the policy engine allowed it; signed with the caller\'s scoped STS credentials',
        security: [{ bearer: [] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['key', 'method'],
                properties: {
                  key: { type: 'string' },
                  method: { enum: ['GET', 'HEAD', 'PUT', 'DELETE'] },
                  expiresIn: { type: 'integer' },
                  contentType: { type: 'string' },
                  contentMd5: { type: 'string' },
                  response: { type: 'object' },
                  process: { type: 'string' },
                  scope: { type: 'string' },
                  version: { enum: ['v4', 'v1'] },
                },
              },
            },
          },
        },
        responses: {
          '200': { description: '{url, method, headers (to send exactly), expiresAt, expiresIn, version}' },
          ...errorResponses(['ERR_REQUEST_INVALID', 'ERR_AUTH_REQUIRED', 'ERR_ACCESS_DENIED', 'ERR_SCOPE_FORBIDDEN', 'ERR_STS_UNAVAILABLE']),
        },
      },
    },
    '/v1/sign/post': {
      post: {
        summary: 'A browser PostObject form (V4 by default) for a directory or an exact key under the caller\'s prefix',
        security: [{ bearer: [] }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { dir: { type: 'string' }, key: { type: 'string' }, maxSize: { type: 'integer' }, contentTypes: { type: 'array', items: { type: 'string' } }, scope: { type: 'string' }, version: { enum: ['v4', 'v1'] }, format: { enum: ['fields', 'sample'] } } } } } },
        responses: {
          '200': { description: '{host, dir, key?, expire, expiration, version, maxSize, contentTypes?, fields: [{name, value}] in send order (file last)}; or the flat sample shape' },
          ...errorResponses(['ERR_REQUEST_INVALID', 'ERR_AUTH_REQUIRED', 'ERR_ACCESS_DENIED', 'ERR_STS_UNAVAILABLE']),
        },
      },
    },
    '/v1/oss/callback': {
      post: {
        summary: 'OSS upload callback: RSA-MD5 signature, key host and server ticket verified before anything is recorded',
        responses: { '200': { description: '{Status: "OK", key, size, etag, crc64, mimeType, at}' }, ...errorResponses(['ERR_CALLBACK_UNVERIFIED', 'ERR_CALLBACK_REPLAYED', 'ERR_STORE_UNAVAILABLE']) },
      },
    },
    '/v1/uploads': {
      get: { summary: 'The caller\'s verified uploads, newest first', security: [{ bearer: [] }], responses: { '200': { description: '{uploads: [...]}' } } },
    },
    '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } } },
    '/readyz': { get: { summary: 'Readiness', responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready, with reasons' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format' } } } },
  },
} as const
