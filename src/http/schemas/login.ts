import { Type, type Static } from '@sinclair/typebox'
import { AUTH_ERRORS, BODY_ERRORS, json, type OperationSpec } from './common.js'

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128, examples: ['alice'] }),
    password: Type.String({ minLength: 1, maxLength: 1024, examples: ['alice-sandbox-password'] }),
  },
  { additionalProperties: false },
)
export type LoginBody = Static<typeof LoginBody>

const RefreshToken = Type.String({ minLength: 1, maxLength: 256, description: 'A refresh token from POST /v1/login, /v1/token/refresh or /v1/token/exchange' })

export const RefreshBody = Type.Object({ refreshToken: RefreshToken }, { additionalProperties: false })
export type RefreshBody = Static<typeof RefreshBody>

export const LogoutBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Also end this refresh token\'s session (one of the same user\'s)' })) },
  { additionalProperties: false },
)
export type LogoutBody = Static<typeof LogoutBody>

export const ExchangeBody = Type.Object(
  { subjectToken: Type.String({ minLength: 1, maxLength: 8192, description: 'An access or ID token of a configured identity provider (routed by its `iss`)' }) },
  { additionalProperties: false },
)
export type ExchangeBody = Static<typeof ExchangeBody>

/** `POST /v1/guest` takes no parameters; a body, when sent, must be an empty object. */
export const GuestBody = Type.Object({}, { additionalProperties: false })

const accessMembers = {
  accessToken: Type.String({ description: 'A JWT for the Authorization header' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ minimum: 1, description: 'Seconds' }),
}

/** An access token, and the rotating refresh token of its session. */
export const SessionAnswer = Type.Object(
  {
    ...accessMembers,
    refreshToken: Type.String({ description: 'Single use: each refresh answers a new one; presenting a used one ends the session' }),
    refreshExpiresIn: Type.Integer({ minimum: 0, description: 'Seconds until the session ends' }),
  },
  { additionalProperties: false, title: 'SessionTokens' },
)

/** Without sessions (a library user's own composition), login answers the access token alone. */
export const LoginAnswer = Type.Union([SessionAnswer, Type.Object(accessMembers, { additionalProperties: false })])

export const GuestAnswer = Type.Object(accessMembers, { additionalProperties: false, title: 'GuestToken' })

const sessionExample = { accessToken: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln', tokenType: 'Bearer', expiresIn: 900, refreshToken: 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', refreshExpiresIn: 2592000 }

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
      '200': { description: 'An access token and the refresh token of a new session', headers: ['Cache-Control'], content: json(LoginAnswer, sessionExample) },
    },
    errors: [...BODY_ERRORS, 'ERR_LOGIN_FAILED', 'ERR_LOGIN_THROTTLED', 'ERR_NOT_FOUND', 'ERR_STORE_UNAVAILABLE'],
  },
  {
    method: 'post',
    path: '/v1/token/refresh',
    operationId: 'refreshToken',
    tags: ['auth'],
    summary: 'A new access token and refresh token for a refresh token',
    description: 'Refresh tokens rotate: each is good once. Presenting one already used ends its whole session (every access token issued in it stops working), as a stolen copy may be in use. A built-in user removed since sign-in is not refreshed.',
    security: 'public',
    body: { required: true, content: json(RefreshBody, { refreshToken: sessionExample.refreshToken }) },
    responses: { '200': { description: 'The next pair', headers: ['Cache-Control'], content: json(SessionAnswer, sessionExample) } },
    errors: [...BODY_ERRORS, 'ERR_AUTH_INVALID', 'ERR_NOT_FOUND', 'ERR_STORE_UNAVAILABLE'],
  },
  {
    method: 'post',
    path: '/v1/token/exchange',
    operationId: 'exchangeToken',
    tags: ['auth'],
    summary: 'An ossvend session for an identity provider\'s token (once per token)',
    description: 'The token is verified by the provider its `iss` names (issuer, audience, algorithms, keys, required claims); each token is exchanged once. 404 when no identity provider is configured. A key set that cannot be used (unreachable, too large, not https, duplicate kids) is ERR_IDP_UNAVAILABLE.',
    security: 'public',
    body: { required: true, content: json(ExchangeBody, { subjectToken: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln' }) },
    responses: { '200': { description: 'A session for the provider\'s user', headers: ['Cache-Control'], content: json(SessionAnswer, sessionExample) } },
    errors: [...BODY_ERRORS, 'ERR_AUTH_INVALID', 'ERR_AUTH_EXPIRED', 'ERR_IDP_UNAVAILABLE', 'ERR_NOT_FOUND', 'ERR_STORE_UNAVAILABLE'],
  },
  {
    method: 'post',
    path: '/v1/logout',
    operationId: 'logout',
    tags: ['auth'],
    summary: 'Sign out: this token, its session and its provider URLs',
    description: 'Revokes the access token used (an identity provider\'s token too) until it expires, the session it belongs to, the provider tokens (POST /v1/sts/provider-url) issued with that session, and, when given, the refresh token\'s session. Revocation is shared by every instance through Redis when configured; while Redis is away this answers 503.',
    security: 'bearer',
    body: { required: false, content: json(LogoutBody, { refreshToken: sessionExample.refreshToken }) },
    responses: { '204': { description: 'Signed out', headers: ['Cache-Control'] } },
    // Not limited per user (signing out is always allowed), so no 429.
    errors: [...AUTH_ERRORS.filter((code) => code !== 'ERR_RATE_LIMITED'), ...BODY_ERRORS, 'ERR_NOT_FOUND', 'ERR_STORE_UNAVAILABLE'],
  },
  {
    method: 'post',
    path: '/v1/guest',
    operationId: 'getGuestToken',
    tags: ['auth'],
    summary: 'A token for a new guest id with the guest scope only',
    description: 'Off by default (auth.guest); 404 when off. Limited per client address and per minute in all (429 with Retry-After).',
    security: 'public',
    body: { required: false, content: json(GuestBody, {}) },
    responses: { '200': { description: 'A guest access token', headers: ['Cache-Control'], content: json(GuestAnswer, { accessToken: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln', tokenType: 'Bearer', expiresIn: 900 }) } },
    errors: [...BODY_ERRORS, 'ERR_RATE_LIMITED', 'ERR_NOT_FOUND', 'ERR_STORE_UNAVAILABLE'],
  },
]
