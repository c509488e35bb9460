import { Type, type Static } from '@sinclair/typebox'
import { MAX_V4_EXPIRES_SEC } from '../../oss/sign-v4.js'
import { AUTH_ERRORS, BODY_ERRORS, ObjectKey, ScopeName, VEND_ERRORS, json, type OperationSpec } from './common.js'

const SignatureVersion = Type.Union([Type.Literal('v4'), Type.Literal('v1')], { description: 'OSS signature version; the server\'s default (V4) when absent' })
const BucketName = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$', description: 'The bucket: the server\'s configured one when absent, or one of its oss.buckets (path rules may name several)' })
const HeaderText = Type.String({ minLength: 1, maxLength: 256, pattern: '^[ -~]+$' })

export const SignUrlBody = Type.Object(
  {
    key: ObjectKey,
    method: Type.Union([Type.Literal('GET'), Type.Literal('HEAD'), Type.Literal('PUT'), Type.Literal('DELETE')]),
    expiresIn: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_V4_EXPIRES_SEC, description: 'Seconds; capped by the server and by the credentials\' own lifetime' })),
    contentType: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(; ?[A-Za-z0-9_-]+=[A-Za-z0-9_.-]+)?$', description: 'PUT only' })),
    contentMd5: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{22}==$', description: 'PUT only' })),
    response: Type.Optional(
      Type.Object(
        {
          contentType: Type.Optional(HeaderText),
          contentDisposition: Type.Optional(HeaderText),
          contentLanguage: Type.Optional(HeaderText),
          cacheControl: Type.Optional(HeaderText),
          contentEncoding: Type.Optional(HeaderText),
          expires: Type.Optional(HeaderText),
        },
        { additionalProperties: false, description: 'Response header overrides (GET only)' },
      ),
    ),
    process: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'x-oss-process (GET only); operations limited by the server\'s sign.processOperations' })),
    scope: Type.Optional(ScopeName),
    bucket: Type.Optional(BucketName),
    version: Type.Optional(SignatureVersion),
  },
  { additionalProperties: false },
)
export type SignUrlBody = Static<typeof SignUrlBody>

export const SignUrlAnswer = Type.Object({
  url: Type.String({ format: 'uri' }),
  method: Type.String(),
  headers: Type.Record(Type.String(), Type.String(), { description: 'Headers the client must send exactly as given' }),
  expiresAt: Type.String({ format: 'date-time' }),
  expiresIn: Type.Integer({ minimum: 1 }),
  version: SignatureVersion,
})

export const SignPostBody = Type.Object(
  {
    dir: Type.Optional(Type.String({ maxLength: 1023, description: 'A full key prefix ending in "/" (it starts with the caller\'s prefix); the caller\'s prefix when neither dir nor key is given', examples: ['alice/photos/'] })),
    key: Type.Optional(ObjectKey),
    maxSize: Type.Optional(Type.Integer({ minimum: 1, description: 'Bytes; at most the server\'s sign.maxUploadBytes' })),
    contentTypes: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z]+/[a-z0-9.+-]+$' }), { minItems: 1, maxItems: 32 })),
    scope: Type.Optional(ScopeName),
    bucket: Type.Optional(BucketName),
    version: Type.Optional(SignatureVersion),
    format: Type.Optional(Type.Union([Type.Literal('fields'), Type.Literal('sample')], { description: '"sample": the flat shape of Alibaba\'s web upload samples (V1)' })),
  },
  { additionalProperties: false },
)
export type SignPostBody = Static<typeof SignPostBody>

export const PostFormFields = Type.Object(
  {
    host: Type.String({ format: 'uri' }),
    dir: Type.String(),
    key: Type.Optional(Type.String()),
    expire: Type.Integer({ description: 'Unix seconds' }),
    expiration: Type.String({ format: 'date-time' }),
    version: SignatureVersion,
    maxSize: Type.Integer(),
    contentTypes: Type.Optional(Type.Array(Type.String())),
    fields: Type.Array(Type.Object({ name: Type.String(), value: Type.String() }), { description: 'Form fields in the order the browser must send them; the file goes last' }),
  },
  { title: 'PostForm' },
)

export const PostFormSample = Type.Object(
  {
    accessid: Type.String(),
    host: Type.String({ format: 'uri' }),
    policy: Type.String(),
    signature: Type.String(),
    expire: Type.Integer(),
    callback: Type.String(),
    dir: Type.String(),
    securityToken: Type.Optional(Type.String()),
  },
  { title: 'PostFormSample' },
)

export const SIGN_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/sign/url',
    operationId: 'signUrl',
    tags: ['signing'],
    summary: 'A signed URL for one object, after the policy engine allowed it',
    description:
      'Signed with the caller\'s scoped STS credentials. `key` is the full object key, as OSS writes it; a key outside the caller\'s prefix is refused with ERR_KEY_OUTSIDE_PREFIX, never rewritten.',
    security: 'bearer',
    body: { required: true, content: json(SignUrlBody, { key: 'alice/photos/cat.png', method: 'GET', expiresIn: 300 }) },
    responses: { '200': { description: 'The signed URL and the headers to send with it', headers: ['Cache-Control'], content: json(SignUrlAnswer) } },
    errors: [...BODY_ERRORS, ...AUTH_ERRORS, ...VEND_ERRORS, 'ERR_KEY_OUTSIDE_PREFIX', 'ERR_ACCESS_DENIED'],
  },
  {
    method: 'post',
    path: '/v1/sign/post',
    operationId: 'signPostForm',
    tags: ['signing'],
    summary: 'A browser PostObject form (V4 by default) for a directory or one exact key',
    description:
      '`key` and `dir` are full object keys, as OSS writes them (the same rule as /v1/sign/url); one outside the caller\'s prefix is refused with ERR_KEY_OUTSIDE_PREFIX, never rewritten.',
    security: 'bearer',
    body: { required: true, content: json(SignPostBody, { dir: 'alice/photos/', contentTypes: ['image/png'] }) },
    responses: {
      '200': {
        description: 'The form fields in send order, or the flat sample shape (format=sample)',
        headers: ['Cache-Control'],
        content: { 'application/json': { schema: Type.Unsafe({ oneOf: [PostFormFields, PostFormSample] }) } },
      },
    },
    errors: [...BODY_ERRORS, ...AUTH_ERRORS, ...VEND_ERRORS, 'ERR_KEY_OUTSIDE_PREFIX', 'ERR_ACCESS_DENIED'],
  },
]
