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
          ...errorResponses(['ERR_REQUEST_INVALID', 'ERR_LOGIN_FAILED', 'ERR_LOGIN_THROTTLED', 'ERR_PAYLOAD_TOO_LARGE']),
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
    '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } } },
    '/readyz': { get: { summary: 'Readiness', responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready, with reasons' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format' } } } },
  },
} as const
