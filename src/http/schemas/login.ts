import { Type, type Static } from '@sinclair/typebox'
import { BODY_ERRORS, json, type OperationSpec } from './common.js'

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128, examples: ['alice'] }),
    password: Type.String({ minLength: 1, maxLength: 1024, examples: ['alice-sandbox-password'] }),
  },
  { additionalProperties: false },
)
export type LoginBody = Static<typeof LoginBody>

export const LoginAnswer = Type.Object({
  accessToken: Type.String({ description: 'A JWT for the Authorization header' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ minimum: 1, description: 'Seconds' }),
})

export const LOGIN_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/login',
    operationId: 'login',
    tags: ['auth'],
    summary: 'Sign in with a built-in user',
    description: 'An unknown user and a wrong password get the same answer; failures are throttled per user and per IP (429 with Retry-After). 404 when the server accepts external tokens only.',
    security: 'public',
    body: { required: true, content: json(LoginBody, { username: 'alice', password: 'alice-sandbox-password' }) },
    responses: {
      '200': { description: 'An access token', headers: ['Cache-Control'], content: json(LoginAnswer, { accessToken: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln', tokenType: 'Bearer', expiresIn: 900 }) },
    },
    errors: [...BODY_ERRORS, 'ERR_LOGIN_FAILED', 'ERR_LOGIN_THROTTLED', 'ERR_NOT_FOUND', 'ERR_STORE_UNAVAILABLE'],
  },
]
